import type { Repositories } from '../repositories/repositories';
import type { CommittedChange } from './group.service';
import { AdminForbiddenError, AdminNotFoundError, parseOrThrow, type AdminActor } from './admin.service';
import { AdminAreaIndexes } from './admin-area-indexes';
import { readBoundaryFiles } from './boundary-file';
import { sameAdminAreas } from '../../shared/admin-areas/area-index';
import { areaFeatures, type AreaFeatureCollection } from '../../shared/admin-areas/area-features';
import type { Audience } from '../../shared/projection';
import { can } from '../../shared/permissions';
import { BoundaryLoadRequest, type AdminArea, type BoundaryLoadResult, type BoundarySet } from '../../shared/schemas/admin-area.schema';
import type { Group } from '../../shared/schemas/group.schema';

/** Groups read, checked and rewritten per transaction while recomputing: short enough that reports keep flowing between pages. */
export const RECOMPUTE_PAGE = 500;

export interface AdminAreaServiceDeps {
  repos: Repositories;
  indexes: AdminAreaIndexes;
  /** Publishes a committed change to the live rooms (after its transaction). */
  publish: (change: CommittedChange) => void;
  /** Tells the crisis's maps that boundaries of this version were stored (before the groups are recomputed). */
  announce?: (crisisId: string, version: number) => void;
  now?: () => number;
  pageSize?: number;
}

/** What a recomputation did. */
export interface RecomputeOutcome {
  checked: number;
  changed: number;
}

/**
 * Admin boundaries of a crisis: loading COD-AB files (preview, then commit) and bringing every
 * group's admin 1 and 2 up to date after a load.
 *
 * Versioning: each load replaces the crisis's areas and raises its boundary version by one. The
 * groups are then recomputed page by page in report order, each page in its own transaction that
 * also records how far it got (`admin_boundaries.recompute_after`); a group whose areas changed
 * gets a new version and a `group.adminAreas` row in the change log, so every client receives it
 * live and on catch-up, projected like any other change. A group whose areas did not change is
 * left alone (no new version, nothing sent). Reports written meanwhile already use the new
 * boundaries (they read the version in their own transaction), so the page walk and the write path
 * agree; a newer load stops an older walk, which its own walk replaces; a walk cut short by a
 * restart resumes from its cursor (`resumePending`).
 */
export class AdminAreaService {
  readonly #deps: AdminAreaServiceDeps;
  readonly #now: () => number;
  /** The drawable boundaries of each crisis, made once per boundary version. */
  readonly #drawn = new Map<string, AreaFeatureCollection>();

  constructor(deps: AdminAreaServiceDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** The crisis's boundary set and areas (admin only: the full geometry is for checking a load). */
  async boundaries(actor: AdminActor, crisisId: string): Promise<{ set: BoundarySet | null; areas: AdminArea[] }> {
    authorize(actor);
    await this.#crisisOrThrow(crisisId);
    const { repos } = this.#deps;
    return { set: await repos.adminAreas.boundaries(crisisId), areas: await repos.adminAreas.listByCrisis(crisisId) };
  }

  /**
   * Reads the files and answers what they hold; unless `dryRun`, or a problem is an error, stores
   * them as the crisis's boundaries and recomputes its groups before answering.
   */
  async load(actor: AdminActor, crisisId: string, input: unknown): Promise<BoundaryLoadResult> {
    authorize(actor);
    const request = parseOrThrow(BoundaryLoadRequest, input, 'boundary load');
    await this.#crisisOrThrow(crisisId);
    const { areas, preview } = readBoundaryFiles(request.files);
    if (request.dryRun || !preview.ok) return { preview, committed: false, version: null, groupsChanged: 0, groupsChecked: 0 };
    const version = await this.store(actor, crisisId, areas, { source: request.files.map((f) => f.name).join(', '), synthetic: false });
    const outcome = await this.recompute(crisisId, version, actor.userId);
    return { preview, committed: true, version, groupsChanged: outcome.changed, groupsChecked: outcome.checked };
  }

  /** Stores `areas` as the crisis's boundaries (a new version, audited) and returns that version. Groups are not touched yet. */
  async store(actor: AdminActor, crisisId: string, areas: readonly AdminArea[], meta: { source: string; synthetic: boolean }): Promise<number> {
    authorize(actor);
    const { repos } = this.#deps;
    const at = new Date(this.#now()).toISOString();
    const version = await repos.transaction(async () => {
      const version = await repos.adminAreas.replace(crisisId, areas, {
        source: meta.source.slice(0, 500),
        synthetic: meta.synthetic,
        loadedAt: at,
        loadedBy: actor.userId,
      });
      await repos.audit.append({
        at,
        userId: actor.userId,
        role: actor.role,
        action: 'admin.load_boundaries',
        recordType: 'crisis',
        recordId: crisisId,
        outcome: 'ok',
        detail: JSON.stringify({ version, areas: areas.length }),
      });
      return version;
    });
    // After the commit: a map that fetches on hearing it gets this version.
    this.#deps.announce?.(crisisId, version);
    return version;
  }

  /**
   * Brings every group of the crisis up to boundary `version`, from the stored cursor on. Stops
   * early (and says so by checking fewer groups) when a newer load replaces `version` meanwhile.
   */
  async recompute(crisisId: string, version: number, actorId: string | null): Promise<RecomputeOutcome> {
    const { repos, indexes } = this.#deps;
    const pageSize = this.#deps.pageSize ?? RECOMPUTE_PAGE;
    const outcome: RecomputeOutcome = { checked: 0, changed: 0 };
    for (;;) {
      const step = await repos.transaction(async () => {
        const set = await repos.adminAreas.boundaries(crisisId);
        if (!set || set.version !== version || set.recomputeAfter === null) return null;
        const index = await indexes.forCrisis(crisisId);
        const page = await repos.groups.pageByCrisis(crisisId, set.recomputeAfter, pageSize);
        const at = new Date(this.#now()).toISOString();
        const committed: CommittedChange[] = [];
        for (const { group } of page) {
          const admin = index.locate(group.location.lat, group.location.lon);
          if (sameAdminAreas(admin, group.admin)) continue;
          const after: Group = { ...group, admin, version: group.version + 1 };
          const json = JSON.stringify(after);
          await repos.groups.update(after, json);
          const seq = await repos.changeLog.appendGroupChange('group.adminAreas', after, actorId, at, json);
          committed.push({ seq, crisisId, before: group, after });
        }
        const last = page.at(-1);
        const done = !last || page.length < pageSize;
        await repos.adminAreas.setRecomputeCursor(crisisId, version, done ? null : last.key);
        return { checked: page.length, committed, done };
      });
      if (!step) return outcome;
      // Published only after the page's commit, like every other change.
      for (const change of step.committed) this.#deps.publish(change);
      outcome.checked += step.checked;
      outcome.changed += step.committed.length;
      if (step.done) return outcome;
    }
  }

  /**
   * The crisis's boundaries for the map (simplified, with label points). Admin areas are not
   * personal: every user of the crisis may draw them (and an admin any crisis's); others get null.
   */
  async drawable(audience: Pick<Audience, 'role' | 'crisisId'>, crisisId: string): Promise<AreaFeatureCollection | null> {
    if (audience.role !== 'admin' && audience.crisisId !== crisisId) return null;
    const { repos } = this.#deps;
    const set = await repos.adminAreas.boundaries(crisisId);
    if (!set) return (await repos.crises.findById(crisisId)) ? areaFeatures([], 0, false) : null;
    const cached = this.#drawn.get(crisisId);
    if (cached?.version === set.version) return cached;
    const drawn = areaFeatures(await repos.adminAreas.listByCrisis(crisisId), set.version, set.synthetic);
    this.#drawn.set(crisisId, drawn);
    return drawn;
  }

  /** Finishes recomputations a restart cut short (called once at start-up). */
  async resumePending(): Promise<void> {
    const { repos } = this.#deps;
    for (const crisisId of await repos.adminAreas.pendingRecomputes()) {
      const set = await repos.adminAreas.boundaries(crisisId);
      if (set) await this.recompute(crisisId, set.version, null);
    }
  }

  async #crisisOrThrow(crisisId: string): Promise<void> {
    if (!(await this.#deps.repos.crises.findById(crisisId))) throw new AdminNotFoundError('no such crisis');
  }
}

function authorize(actor: AdminActor): void {
  if (!can(actor.role, 'admin.manage')) throw new AdminForbiddenError('only an admin may do this');
}
