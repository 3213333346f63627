import { changedId, type ChangeEvent } from '../../shared/schemas/sync.schema';
import type { ClientSocket } from './clients';

// Waiting for changes to arrive on a socket from another server process or node, and judging
// what arrived: shared by the multi-process (Redis) and cluster (PostgreSQL) tests.

/** Bound on every wait for something to arrive from another process. */
export const ARRIVAL_TIMEOUT_MS = 10_000;

export const upsertOf = (groupId: string) => (all: ChangeEvent[]) => all.some((c) => c.kind === 'group.upsert' && c.group.group.id === groupId);
export const idsIn = (all: ChangeEvent[]) => new Set(all.map((c) => changedId(c)));
export const strictlyIncreasing = (all: ChangeEvent[]) => all.every((c, i) => i === 0 || c.seq > (all[i - 1]?.seq ?? 0));

/** Resolves once the changes collected on a socket (`collectChanges`) satisfy `done`; rejects after a bound. */
export function until(socket: ClientSocket, received: ChangeEvent[], done: (all: ChangeEvent[]) => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!done(received)) return;
      clearTimeout(timer);
      socket.off('change', check);
      socket.off('changes', check);
      resolve();
    };
    const timer = setTimeout(() => {
      socket.off('change', check);
      socket.off('changes', check);
      reject(new Error(`timed out waiting for ${what}; received seqs ${received.map((c) => c.seq).join(',')}`));
    }, ARRIVAL_TIMEOUT_MS);
    // Registered after collectChanges' own listeners, so `received` already holds the new change
    // (or, for a group commit's batch, changes).
    socket.on('change', check);
    socket.on('changes', check);
    check();
  });
}
