import type { Repositories } from '../repositories/repositories';
import type { Group } from '../../shared/schemas/group.schema';
import type { CommittedChange } from './group.service';

/** Where the live feed reads committed changes it has not seen being made (another process's, or missed). */
export interface ChangeSource {
  /** The newest committed sequence number. */
  headSeq(): number;
  /** Committed changes in (afterSeq, uptoSeq], in order, each with the group's state before it; at most `limit`. */
  between(afterSeq: number, uptoSeq: number, limit: number): CommittedChange[];
}

/** The change log as a ChangeSource: the state before a change is the previous row of the same group. */
export function changeLogSource(repos: Repositories): ChangeSource {
  return {
    headSeq: () => repos.changeLog.headSeq(),
    between(afterSeq, uptoSeq, limit) {
      const latest = new Map<string, Group | null>();
      return repos.changeLog.listRange(afterSeq, uptoSeq, limit).map((change) => {
        const before = latest.has(change.entityId) ? (latest.get(change.entityId) ?? null) : repos.changeLog.stateBefore(change.entityId, change.seq);
        latest.set(change.entityId, change.group);
        return { seq: change.seq, crisisId: change.crisisId, before, after: change.group };
      });
    },
  };
}
