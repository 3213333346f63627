import type { Repositories } from '../repositories/repositories';
import type { Group } from '../../shared/schemas/group.schema';
import type { PublishedChange } from './command.service';

/** Where the live feed reads committed changes it has not seen being made (another process's, or missed). */
export interface ChangeSource {
  /** The newest committed sequence number. */
  headSeq(): Promise<number>;
  /** Committed changes in (afterSeq, uptoSeq], in order, each with the group's state before it; at most `limit`. */
  between(afterSeq: number, uptoSeq: number, limit: number): Promise<PublishedChange[]>;
}

/** The change log as a ChangeSource: the state before a group's change is the previous row of the same group. */
export function changeLogSource(repos: Repositories): ChangeSource {
  return {
    headSeq: () => repos.changeLog.headSeq(),
    async between(afterSeq, uptoSeq, limit) {
      const latest = new Map<string, Group | null>();
      const out: PublishedChange[] = [];
      for (const change of await repos.changeLog.listRange(afterSeq, uptoSeq, limit)) {
        // A site has no before to compare: every audience of its crisis sees every site (shared/sites.ts).
        if ('site' in change) {
          out.push({ entity: 'site', seq: change.seq, crisisId: change.crisisId, site: change.site });
          continue;
        }
        const before = latest.has(change.entityId) ? (latest.get(change.entityId) ?? null) : await repos.changeLog.stateBefore(change.entityId, change.seq);
        latest.set(change.entityId, change.group);
        out.push({ seq: change.seq, crisisId: change.crisisId, before, after: change.group, ...(change.kind === 'group.erase' ? { erased: true } : {}) });
      }
      return out;
    },
  };
}
