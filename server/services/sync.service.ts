import type { SyncPolicy } from '../config';
import type { Repositories } from '../repositories/repositories';
import type { SyncAck } from '../../shared/events';
import { can } from '../../shared/permissions';
import { projectGroup, type Audience } from '../../shared/projection';
import { failure } from '../../shared/protocol';
import type { Group, GroupView } from '../../shared/schemas/group.schema';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import { projectChange } from './change-projection';

/** Snapshots and catch-up after a reconnect, projected for the asking audience. */
export class SyncService {
  readonly #repos: Repositories;
  readonly #policy: SyncPolicy;

  constructor(repos: Repositories, policy: SyncPolicy) {
    this.#repos = repos;
    this.#policy = policy;
  }

  /**
   * The changes after `sinceSeq` when the log still holds them all and they are few enough;
   * otherwise (no seq, too far behind, older than the retained log, or ahead of the log as after
   * a database was replaced) a snapshot.
   */
  sync(audience: Audience, sinceSeq: number | null): SyncAck {
    if (!can(audience.role, 'group.read')) return failure('forbidden', 'your role does not read groups');
    const crisisId = audience.crisisId;
    if (crisisId === null) return failure('forbidden', 'you are not assigned to a crisis');
    // One transaction so the head and the rows read agree (the SQLite driver is synchronous anyway,
    // but a pooled database would not be).
    return this.#repos.transaction((): SyncAck => {
      const crisis = this.#repos.crises.findById(crisisId);
      if (!crisis) return failure('not_found', 'your crisis no longer exists');
      const head = this.#repos.changeLog.headSeq();
      if (sinceSeq !== null && this.#canCatchUp(crisisId, sinceSeq, head)) {
        return { ok: true, mode: 'changes', seq: head, changes: this.#changesAfter(audience, crisisId, sinceSeq, head) };
      }
      const groups = this.#repos.groups
        .listByCrisis(crisisId)
        .map((g) => projectGroup(audience, g))
        .filter((v): v is GroupView => v !== null);
      return { ok: true, mode: 'snapshot', seq: head, crisis, groups };
    });
  }

  #canCatchUp(crisisId: string, sinceSeq: number, head: number): boolean {
    if (sinceSeq > head) return false;
    const oldest = this.#repos.changeLog.oldestSeq();
    // The log must still hold the change right after sinceSeq.
    if (oldest !== null && sinceSeq < oldest - 1) return false;
    const limit = this.#policy.maxCatchUpChanges;
    return this.#repos.changeLog.countAfter(crisisId, sinceSeq, limit + 1) <= limit;
  }

  #changesAfter(audience: Audience, crisisId: string, sinceSeq: number, head: number): ChangeEvent[] {
    // The state before each change is the previous row of the same group: read from the log for a
    // group's first change in the batch, then carried along in memory.
    const latest = new Map<string, Group | null>();
    const out: ChangeEvent[] = [];
    for (const change of this.#repos.changeLog.listAfter(crisisId, sinceSeq, head)) {
      const before = latest.has(change.entityId)
        ? (latest.get(change.entityId) ?? null)
        : this.#repos.changeLog.stateBefore(change.entityId, change.seq);
      latest.set(change.entityId, change.group);
      const event = projectChange(audience, change.seq, before, change.group);
      if (event) out.push(event);
    }
    return out;
  }
}
