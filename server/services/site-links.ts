import type { Repositories } from '../repositories/repositories';
import type { ChangeKind } from '../repositories/change-log.repository';
import { failure, type Failure } from '../../shared/protocol';
import type { Group } from '../../shared/schemas/group.schema';
import type { Site } from '../../shared/schemas/site.schema';
import { linkDeltas } from '../../shared/sites';
import type { CommittedSiteChange } from './site.service';

/**
 * Groups at sites (issue 20): checks the site a group names, and keeps each site's tally of the
 * groups recorded at it (`Site.linked`) in the write transaction of every group change. Every path
 * that writes a group calls `follow` with what it wrote (commands, movements, retention purges,
 * erasures), so the tally moves with the change that moved it and its site change is logged, and
 * published, in the same commit. A maintained tally rather than a count of the groups per write:
 * on PostgreSQL a batch holds its group rows in memory until COMMIT, and a query over the groups
 * table would flush them at every linked write.
 */
export class SiteLinks {
  readonly #repos: Repositories;

  constructor(repos: Repositories) {
    this.#repos = repos;
  }

  /**
   * Whether the site a group now names is a site of its crisis: when not, `invalid` with the named
   * issue `site_unknown` at `location.siteId` (as a movement's leg is refused: the form shows it
   * beside the field). Only a link that changes is checked, so a group keeps the site it was linked
   * to after that site closed.
   */
  async check(before: Group | null, after: Group): Promise<Failure | null> {
    const siteId = after.location.siteId;
    if (siteId === null || siteId === before?.location.siteId) return null;
    const site = await this.#repos.sites.findById(siteId);
    // Another crisis's site answers as a missing one does.
    if (site && site.crisisId === after.crisisId) return null;
    return failure('invalid', 'the group names a site that is not in your crisis', [
      { path: ['location', 'siteId'], message: 'unknown site', code: 'site_unknown' },
    ]);
  }

  /**
   * Moves the tally of every site the changes touch (a group's people, its site, whether its status
   * still counts it there, or its existence: `after` null for an erased group) and logs each site's
   * new state under `kind`. Returns the site changes to publish with the groups'.
   */
  async follow(
    changes: readonly { before: Group | null; after: Group | null }[],
    kind: ChangeKind,
    actor: string | null,
    at: string,
  ): Promise<CommittedSiteChange[]> {
    const committed: CommittedSiteChange[] = [];
    // Sorted, so two writers touching the same sites take their rows in one order.
    for (const [siteId, delta] of [...linkDeltas(changes)].sort(([a], [b]) => a.localeCompare(b))) {
      const site = await this.#repos.sites.findById(siteId);
      // Sites are never deleted and links are checked when made; a missing one has nothing to count.
      if (!site) continue;
      const linked = site.linked ?? { groups: 0, people: 0 };
      const next: Site = {
        ...site,
        // Never below zero: a tally that drifted must not make the site unreadable (the schema's minimum).
        linked: { groups: Math.max(0, linked.groups + delta.groups), people: Math.max(0, linked.people + delta.people) },
        version: site.version + 1,
        updatedAt: at,
      };
      const json = JSON.stringify(next);
      await this.#repos.sites.update(next, json);
      const seq = await this.#repos.changeLog.appendSiteChange(kind, next, actor, at, json);
      committed.push({ entity: 'site', seq, crisisId: next.crisisId, site: next });
    }
    return committed;
  }
}
