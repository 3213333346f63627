import type { Failure } from '../../../shared/protocol';
import type { Command } from '../../../shared/schemas/command.schema';
import type { GroupView } from '../../../shared/schemas/group.schema';

/** waiting: not acknowledged yet, sent again after a reconnect; sent: committed; rejected: refused, with why. */
export type OutboxStatus = 'waiting' | 'sent' | 'rejected';

export interface OutboxEntry {
  readonly command: Command;
  readonly queuedAt: string;
  readonly status: OutboxStatus;
  /** The change-log position of the committed change, once sent. */
  readonly seq: number | null;
  /** Why the server refused it; null unless rejected. */
  readonly failure: Failure | null;
  /** For a conflict: the group as it is now, so the person can decide again. */
  readonly current: GroupView | null;
}

/**
 * Commands a person made, until the server has answered them. In memory for now: a report survives
 * a dropped connection but not a closed tab. The durable (IndexedDB) outbox replaces this class
 * with the same methods; nothing else needs to change.
 */
export class Outbox {
  entries = $state.raw<readonly OutboxEntry[]>([]);

  /** Entries still to be sent, oldest first: the order they were made in. */
  get waiting(): readonly OutboxEntry[] {
    return this.entries.filter((e) => e.status === 'waiting');
  }

  get(commandId: string): OutboxEntry | undefined {
    return this.entries.find((e) => e.command.commandId === commandId);
  }

  add(command: Command): void {
    if (this.get(command.commandId)) return;
    const entry: OutboxEntry = { command, queuedAt: new Date().toISOString(), status: 'waiting', seq: null, failure: null, current: null };
    this.entries = [...this.entries, entry];
  }

  /** Puts an answered entry back to waiting, to be sent again with the same id. */
  requeue(commandId: string): void {
    this.#update(commandId, { status: 'waiting', seq: null, failure: null, current: null });
  }

  markSent(commandId: string, seq: number): void {
    this.#update(commandId, { status: 'sent', seq, failure: null, current: null });
  }

  markRejected(commandId: string, failure: Failure, current: GroupView | null): void {
    this.#update(commandId, { status: 'rejected', failure, current });
  }

  /** The person has seen a rejection (or a sent entry) and puts it away. Waiting entries stay. */
  dismiss(commandId: string): void {
    this.entries = this.entries.filter((e) => e.command.commandId !== commandId || e.status === 'waiting');
  }

  clear(): void {
    this.entries = [];
  }

  #update(commandId: string, patch: Partial<OutboxEntry>): void {
    this.entries = this.entries.map((e) => (e.command.commandId === commandId ? { ...e, ...patch } : e));
  }
}
