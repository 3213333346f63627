import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { SyncPolicy } from '../config';
import type { Repositories } from '../repositories/repositories';
import type { SyncAck } from '../../shared/events';
import { encodeChanges, ViewsEncoder } from '../../shared/packed-views';
import { changesToBytes, viewsToBytes } from '../../shared/packed-bytes';
import { eachGroup, eachSite, eachSummary } from '../repositories/contract';
import { can } from '../../shared/permissions';
import { projectGroup, type Audience } from '../../shared/projection';
import { failure, type Failure } from '../../shared/protocol';
import type { Crisis } from '../../shared/schemas/crisis.schema';
import type { Group, GroupView } from '../../shared/schemas/group.schema';
import type { CatchUpResult, ChangeEvent } from '../../shared/schemas/sync.schema';
import type { MovementView } from '../../shared/schemas/movement.schema';
import { MovementService } from './movement.service';
import type { Site } from '../../shared/schemas/site.schema';
import { projectSite } from '../../shared/sites';

const gzip = promisify(zlib.gzip);

/**
 * How a packed snapshot is shared: one build serves every connection of the same audience while it
 * is at most this many changes and this many milliseconds behind the log (the client catches up
 * the rest), and the cache holds at most this many compressed bytes (oldest out first).
 */
export interface PackedSnapshotPolicy {
  maxStaleChanges: number;
  maxStaleMs: number;
  maxCachedBytes: number;
}
export const DEFAULT_PACKED_SNAPSHOT_POLICY: PackedSnapshotPolicy = { maxStaleChanges: 2_000, maxStaleMs: 30_000, maxCachedBytes: 64 * 1024 * 1024 };

/**
 * From this many groups in a crisis, a coordinator's packed snapshot holds summaries: 49 B per
 * group instead of 108 on the bench crisis (gzip), most of the difference being the need ids. Below
 * it the whole crisis is a few hundred kilobytes at most, and every group opens at once.
 */
export const DEFAULT_SUMMARIES_FROM_GROUPS = 2_000;

/** A catch-up this long comes packed to a client that asked `packed`; a shorter one as it is. */
const DEFAULT_PACK_CHANGES_FROM = 200;

interface PackedBuild {
  seq: number;
  builtAt: number;
  crisis: Crisis;
  sites: Site[];
  views: Buffer;
  /** The movements at `seq`, projected for the build's audience. */
  movements: MovementView[];
}

/** Snapshots and catch-up after a reconnect, projected for the asking audience. */
export class SyncService {
  readonly #repos: Repositories;
  readonly #policy: SyncPolicy;
  readonly #packedPolicy: PackedSnapshotPolicy;
  readonly #now: () => number;
  readonly #packChangesFrom: number;
  readonly #movements: MovementService;
  /** Packed snapshots by projection (everything `projectGroup` reads of an audience), newest last. */
  readonly #packed = new Map<string, Promise<(PackedBuild & { ok: true }) | Failure>>();

  /** `packChangesFrom`: fewest changes a catch-up packs for a client that asked (tests pack every one). */
  constructor(repos: Repositories, policy: SyncPolicy, options: { packed?: Partial<PackedSnapshotPolicy>; now?: () => number; packChangesFrom?: number } = {}) {
    this.#repos = repos;
    this.#policy = policy;
    this.#packedPolicy = { ...DEFAULT_PACKED_SNAPSHOT_POLICY, ...options.packed };
    this.#now = options.now ?? Date.now;
    this.#packChangesFrom = options.packChangesFrom ?? DEFAULT_PACK_CHANGES_FROM;
    this.#movements = new MovementService(repos, this.#now);
  }

  /**
   * The changes after `sinceSeq` when the log still holds them all and they are few enough;
   * otherwise (no seq, too far behind, older than the retained log, or ahead of the log as after
   * a database was replaced) a snapshot.
   */
  async sync(audience: Audience, sinceSeq: number | null): Promise<SyncAck> {
    const decided = await this.#catchUpOrSnapshot(audience, sinceSeq);
    if (decided !== 'snapshot') return decided;
    const crisisId = audience.crisisId as string;
    return this.#repos.readTransaction(async (): Promise<SyncAck> => {
      const crisis = await this.#repos.crises.findById(crisisId);
      if (!crisis) return failure('not_found', 'your crisis no longer exists');
      const seq = await this.#repos.changeLog.headSeq();
      return {
        ok: true,
        mode: 'snapshot',
        seq,
        crisis,
        groups: await this.#views(audience, crisisId),
        sites: await this.#sites(audience, crisisId),
        movements: await this.#movements.list(audience),
      };
    });
  }

  /**
   * As `sync`, but a snapshot comes packed and compressed (PackedSnapshotResult), built once for
   * every connection with the same projection and reused while it is recent.
   */
  async syncPacked(audience: Audience, sinceSeq: number | null): Promise<SyncAck> {
    const decided = await this.#catchUpOrSnapshot(audience, sinceSeq);
    if (decided !== 'snapshot') {
      if (!decided.ok || decided.changes.length < this.#packChangesFrom) return decided;
      const changes = await gzip(changesToBytes(encodeChanges(decided.changes)), { level: 6 });
      return { ok: true, mode: 'packed-changes', seq: decided.seq, changes };
    }
    const crisisId = audience.crisisId as string;
    const key = [crisisId, audience.role, audience.agencyId, audience.servesState, audience.role === 'field' ? audience.userId : ''].join('|');
    let entry = this.#packed.get(key);
    let built = entry ? await entry.catch(() => null) : null;
    if (!built?.ok || !(await this.#reusable(audience, built, await this.#repos.changeLog.headSeq()))) {
      // Another request may have started a newer build while this one waited: share it.
      const current = this.#packed.get(key);
      if (current !== undefined && current !== entry) entry = current;
      else {
        entry = this.#buildPacked(audience);
        this.#packed.delete(key);
        this.#packed.set(key, entry);
        void entry.then(
          () => this.#trimPacked(),
          () => undefined,
        );
      }
      try {
        built = await entry;
      } catch (error) {
        if (this.#packed.get(key) === entry) this.#packed.delete(key);
        throw error;
      }
      if (!built.ok) {
        if (this.#packed.get(key) === entry) this.#packed.delete(key);
        return built;
      }
    }
    return {
      ok: true,
      mode: 'packed',
      seq: built.seq,
      head: await this.#repos.changeLog.headSeq(),
      crisis: built.crisis,
      sites: built.sites,
      views: built.views,
      movements: built.movements,
    };
  }

  /**
   * Whether a build may serve this audience now. A build some changes old holds those groups as
   * they were: fine for a coordinator, who may see every state a group of the crisis has had (and
   * catches up at once), but for anyone else an old state may be one they may no longer see
   * (protection rule 8), so theirs must be as new as the log.
   */
  async #reusable(audience: Audience, built: PackedBuild, head: number): Promise<boolean> {
    const crisisId = audience.crisisId as string;
    if (audience.role !== 'coordinator' && built.seq !== head) return false;
    // A coordinator's build at the head of the log is what a new build would be, however old: their
    // projection is every group in full, and everything it holds comes from the log (the groups, the
    // sites, the movements; a purge or an erasure is a change too) but the crisis record, which is
    // never updated. A 100,000-group build takes seconds; not making it again spares the next
    // coordinator to open the crisis that wait. Anyone else's projection may also turn on what the
    // log does not hold, so theirs is at most `maxStaleMs` old.
    if (audience.role === 'coordinator' && built.seq === head) return true;
    if (this.#now() - built.builtAt > this.#packedPolicy.maxStaleMs) return false;
    if (head - built.seq > this.#packedPolicy.maxStaleChanges) return false;
    if (!(await this.#canCatchUp(crisisId, built.seq, head))) return false;
    // A purge or an erasure since the build (issue 21) removed details the build still holds: no
    // one may be sent them again, a coordinator neither. Read only when a stale build is offered.
    if (built.seq === head) return true;
    return (await this.#repos.changeLog.listAfter(crisisId, built.seq, head)).every((c) => c.kind !== 'group.purge' && c.kind !== 'group.erase');
  }

  /** Reads and encodes in one transaction (the views and their seq agree); compresses off the event loop. */
  async #buildPacked(audience: Audience): Promise<(PackedBuild & { ok: true }) | Failure> {
    const crisisId = audience.crisisId as string;
    const read = await this.#repos.readTransaction(async () => {
      const crisis = await this.#repos.crises.findById(crisisId);
      if (!crisis) return null;
      const seq = await this.#repos.changeLog.headSeq();
      const summaries = await this.#summaries(audience, crisisId);
      // A page of groups at a time from the database into the columns: the peak is the columns,
      // not 100,000 parsed groups besides them.
      const encoder = new ViewsEncoder();
      if (summaries) {
        // A coordinator's projection of every group of their crisis is the full view
        // (projectGroup), so its summary is the one stored with each row: read, not rebuilt.
        for await (const summary of eachSummary(this.#repos, crisisId)) encoder.push({ view: 'summary', group: summary });
      } else {
        for await (const group of eachGroup(this.#repos, crisisId)) {
          const view = projectGroup(audience, group);
          if (view) encoder.push(view);
        }
      }
      return {
        crisis,
        seq,
        bytes: viewsToBytes(encoder.finish()),
        sites: await this.#sites(audience, crisisId),
        movements: await this.#movements.list(audience),
      };
    });
    if (!read) return failure('not_found', 'your crisis no longer exists');
    const views = await gzip(read.bytes, { level: 6 });
    return { ok: true, seq: read.seq, builtAt: this.#now(), crisis: read.crisis, sites: read.sites, views, movements: read.movements };
  }

  /** Keeps the cache under its byte budget, dropping the oldest builds first. */
  #trimPacked(): void {
    void Promise.all([...this.#packed.entries()].map(async ([key, p]) => [key, await p.catch(() => null)] as const)).then((entries) => {
      let total = 0;
      for (const [key, built] of entries.reverse()) {
        const size = built?.ok ? built.views.byteLength : 0;
        if (total + size > this.#packedPolicy.maxCachedBytes && this.#packed.size > 1) this.#packed.delete(key);
        else total += size;
      }
    });
  }

  /**
   * Whether this audience's packed snapshot holds summaries: a coordinator's (who works online and
   * reads a group's details when it selects one), in a big crisis. Field teams keep full groups
   * (they edit from their device's copy, offline too); responders and embassies receive few full
   * views, each one they act on.
   */
  async #summaries(audience: Audience, crisisId: string): Promise<boolean> {
    const from = this.#policy.summariesFromGroups ?? DEFAULT_SUMMARIES_FROM_GROUPS;
    return audience.role === 'coordinator' && (await this.#repos.groups.countByCrisis(crisisId)) >= from;
  }

  /** The crisis's sites as this audience sees them (issue 20). */
  async #sites(audience: Audience, crisisId: string): Promise<Site[]> {
    const out: Site[] = [];
    for await (const site of eachSite(this.#repos, crisisId)) {
      const view = projectSite(audience, site);
      if (view) out.push(view);
    }
    return out;
  }

  async #views(audience: Audience, crisisId: string): Promise<GroupView[]> {
    const views: GroupView[] = [];
    for await (const group of eachGroup(this.#repos, crisisId)) {
      const view = projectGroup(audience, group);
      if (view) views.push(view);
    }
    return views;
  }

  /** The catch-up (or a refusal) when one serves; 'snapshot' when the client needs the whole picture. */
  async #catchUpOrSnapshot(audience: Audience, sinceSeq: number | null): Promise<CatchUpResult | Failure | 'snapshot'> {
    if (!can(audience.role, 'group.read')) return failure('forbidden', 'your role does not read groups');
    const crisisId = audience.crisisId;
    if (crisisId === null) return failure('forbidden', 'you are not assigned to a crisis');
    // One snapshot so the head and the rows read agree.
    return this.#repos.readTransaction(async (): Promise<CatchUpResult | Failure | 'snapshot'> => {
      if (!(await this.#repos.crises.findById(crisisId))) return failure('not_found', 'your crisis no longer exists');
      const head = await this.#repos.changeLog.headSeq();
      if (sinceSeq !== null && (await this.#canCatchUp(crisisId, sinceSeq, head))) {
        const changes = [
          ...(await this.#changesAfter(audience, crisisId, sinceSeq, head)),
          ...(await this.#movements.changesAfter(audience, crisisId, sinceSeq, head)),
        ];
        return { ok: true, mode: 'changes', seq: head, changes: changes.sort((a, b) => a.seq - b.seq) };
      }
      return 'snapshot';
    });
  }

  async #canCatchUp(crisisId: string, sinceSeq: number, head: number): Promise<boolean> {
    if (sinceSeq > head) return false;
    const oldest = await this.#repos.changeLog.oldestSeq();
    // The log must still hold the change right after sinceSeq.
    if (oldest !== null && sinceSeq < oldest - 1) return false;
    const limit = this.#policy.maxCatchUpChanges;
    return (await this.#repos.changeLog.countAfter(crisisId, sinceSeq, limit + 1)) <= limit;
  }

  /**
   * What the audience misses since `sinceSeq`, decided now (protection rule 8): for each group that
   * changed, its CURRENT state projected for the audience as it is now, at the seq of its last
   * change; or a removal when the audience may not see it now but could have held it (it could see
   * the group as it stood at `sinceSeq`, or in one of the states since). Never a state from
   * history: the log says which groups changed, the groups table what they are.
   */
  async #changesAfter(audience: Audience, crisisId: string, sinceSeq: number, head: number): Promise<ChangeEvent[]> {
    // A group's row and its change-log row are written together, so in this read transaction the
    // last logged state of each group up to the head IS its current state: no second read.
    const changed = new Map<string, { seq: number; current: Group; seenInRange: boolean; erased: boolean }>();
    // A site's latest state at the seq of its last change: every audience of the crisis sees sites alike.
    const sites = new Map<string, { seq: number; site: Site }>();
    for (const change of await this.#repos.changeLog.listAfter(crisisId, sinceSeq, head)) {
      if ('site' in change) {
        sites.set(change.entityId, { seq: change.seq, site: change.site });
        continue;
      }
      const entry = changed.get(change.entityId);
      const visible = projectGroup(audience, change.group) !== null;
      // An erasure's tombstone ends the group for everyone (issue 21): a removal, whatever came before.
      const erased = change.kind === 'group.erase';
      if (entry) {
        entry.seq = change.seq;
        entry.current = change.group;
        entry.seenInRange ||= visible;
        entry.erased = erased;
      } else changed.set(change.entityId, { seq: change.seq, current: change.group, seenInRange: visible, erased });
    }
    const out: ChangeEvent[] = [];
    for (const [groupId, { seq, current, seenInRange, erased }] of [...changed].sort((a, b) => a[1].seq - b[1].seq)) {
      if (erased) {
        out.push({ kind: 'group.remove', seq, groupId });
        continue;
      }
      const view = projectGroup(audience, current);
      if (view) out.push({ kind: 'group.upsert', seq, group: view });
      else if (seenInRange || (await this.#heldAt(audience, groupId, sinceSeq))) out.push({ kind: 'group.remove', seq, groupId });
    }
    for (const { seq, site } of sites.values()) {
      const view = projectSite(audience, site);
      if (view) out.push({ kind: 'site.upsert', seq, site: view });
    }
    // In log order, as the client applies them (its position is the last seq).
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** Whether the audience could see the group as it stood at `sinceSeq` (read only when it matters). */
  async #heldAt(audience: Audience, groupId: string, sinceSeq: number): Promise<boolean> {
    const before = await this.#repos.changeLog.stateBefore(groupId, sinceSeq + 1);
    return before !== null && projectGroup(audience, before) !== null;
  }
}
