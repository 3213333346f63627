import type { Repositories } from '../repositories/repositories';
import type { Group } from '../../shared/schemas/group.schema';
import type { Movement } from '../../shared/schemas/movement.schema';
import { isMovementChange, isSiteChange, type PublishedChange } from './command.service';

/** Where the live feed reads committed changes it has not seen being made (another process's, or missed). */
export interface ChangeSource {
  /** The newest committed sequence number. */
  headSeq(): Promise<number>;
  /** Committed changes in (afterSeq, uptoSeq], in order, each with the group's (or movement's) state before it; at most `limit`. */
  between(afterSeq: number, uptoSeq: number, limit: number): Promise<PublishedChange[]>;
}

/** The change log as a ChangeSource: the state before a group's change is the previous row of the same group. */
export function changeLogSource(repos: Repositories): ChangeSource {
  return {
    headSeq: () => repos.changeLog.headSeq(),
    async between(afterSeq, uptoSeq, limit) {
      const latest = new Map<string, Group | null>();
      const out: PublishedChange[] = [];
      // Groups' and sites' rows come from the change log, movements' from the movement repository.
      // With the states the range's groups had before it: three reads side by side (on PostgreSQL,
      // three connections), so a change committed on another node costs this one round trip of
      // latency, not one per read (nor one per change, as reading each state before did).
      const [loggedChanges, movementChanges, earlier] = await Promise.all([
        repos.changeLog.listRange(afterSeq, uptoSeq, limit),
        repos.movements.listChanges(null, afterSeq, uptoSeq, limit),
        repos.changeLog.statesBeforeRange(afterSeq, uptoSeq, limit),
      ]);
      // Each list is cut at `limit`: beyond the first one's last row the other may hold rows the
      // first did not read yet, so both stop there, and the next call goes on from it.
      const fullUpTo = Math.min(
        loggedChanges.length === limit ? (loggedChanges.at(-1)?.seq ?? uptoSeq) : uptoSeq,
        movementChanges.length === limit ? (movementChanges.at(-1)?.seq ?? uptoSeq) : uptoSeq,
      );
      for (const change of loggedChanges) {
        if (change.seq > fullUpTo) break;
        // A site has no before to compare: every audience of its crisis sees every site (shared/sites.ts).
        if ('site' in change) {
          out.push({ entity: 'site', seq: change.seq, crisisId: change.crisisId, site: change.site });
          continue;
        }
        const before = latest.has(change.entityId) ? (latest.get(change.entityId) ?? null) : (earlier.get(change.entityId) ?? null);
        latest.set(change.entityId, change.group);
        out.push({ seq: change.seq, crisisId: change.crisisId, before, after: change.group, ...(change.kind === 'group.erase' ? { erased: true } : {}) });
      }
      const movements = new Map<string, Movement | null>();
      for (const change of movementChanges) {
        if (change.seq > fullUpTo) break;
        const id = change.movement.id;
        const before = movements.has(id) ? (movements.get(id) ?? null) : await repos.movements.stateBefore(id, change.seq);
        movements.set(id, change.movement);
        out.push({ entity: 'movement', seq: change.seq, crisisId: change.crisisId, before, after: change.movement });
      }
      return out.sort((a, b) => a.seq - b.seq);
    },
  };
}

/** The entity a change is of: `group:<id>`, `movement:<id>` or `site:<id>`. */
export const entityOf = (change: PublishedChange): string =>
  isSiteChange(change) ? `site:${change.site.id}` : isMovementChange(change) ? `movement:${change.after.id}` : `group:${change.after.id}`;

/**
 * A batch as it leaves each entity: one change per group, movement or site, at the seq of its last
 * change in the batch and from the state before its first, in seq order. Everything a user receives
 * is judged by the entity as it stands when it is delivered (protection rule 8): published change
 * by change, a group edited and then flagged in one group commit reached its consulate as edited
 * (its place, its nationals), then as removed, both after the flag stood. A client applies what it
 * receives and keeps the highest seq, so the seqs skipped here cost it nothing.
 */
export function endStates(batch: readonly PublishedChange[]): PublishedChange[] {
  const last = new Map<string, PublishedChange>();
  for (const change of batch) {
    const key = entityOf(change);
    const first = last.get(key);
    // Moved to the end, so the map's order is the order of each entity's last change.
    last.delete(key);
    last.set(key, first === undefined || isSiteChange(change) || isSiteChange(first) ? change : ({ ...change, before: first.before } as PublishedChange));
  }
  return last.size === batch.length ? [...batch] : [...last.values()];
}
