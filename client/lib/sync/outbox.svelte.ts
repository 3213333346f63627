import type { Failure } from '../../../shared/protocol';
import { Command, commandSubjectId } from '../../../shared/schemas/command.schema';
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

/** Where the outbox keeps its entries between visits (IndexedDB in the browser; nothing in tests). */
export interface OutboxPersistence {
  loadOutbox(userId: string): Promise<OutboxEntry[]>;
  putEntry(userId: string, entry: OutboxEntry): Promise<void>;
  deleteEntry(commandId: string): Promise<void>;
}

/**
 * Commands a person made, until the server has answered them and the person has seen the answer.
 * The list in memory is the screen's truth; every change is also written, in order, to the
 * device's storage, so a report survives a reload, a closed tab or a restarted phone. `add`
 * resolves once the entry is on disk: only then does the form say "saved on this device".
 */
export class Outbox {
  entries = $state.raw<readonly OutboxEntry[]>([]);
  /** Writes not yet committed to the device's storage (0 when everything is on disk). */
  unsaved = $state(0);
  /**
   * Stored changes an earlier build wrote that this build can no longer read (its schema moved
   * on). They cannot be sent, but they are shown, so the person decides: nothing goes silently.
   */
  unreadable = $state.raw<readonly { commandId: string; queuedAt: string }[]>([]);
  /** Unsent changes deleted because their group left this device (erased, or out of view): said on screen, never silent. */
  forgottenWaiting = $state(0);

  #store: OutboxPersistence | null;
  #userId: string;
  /** Writes run one after another, so the disk sees them in the order they were made. */
  #writes: Promise<void> = Promise.resolve();

  constructor(store: OutboxPersistence | null = null, userId = '') {
    this.#store = store;
    this.#userId = userId;
  }

  /**
   * Reads the entries left from an earlier visit. Each command is parsed again (the storage is a
   * boundary: an older build may have written it); one that no longer parses is not sent but
   * listed in `unreadable` until the person discards it. Entries come in the order they were made.
   */
  async load(): Promise<void> {
    if (!this.#store) return;
    const stored = await this.#store.loadOutbox(this.#userId);
    const known = new Set(this.entries.map((e) => e.command.commandId));
    const loaded: OutboxEntry[] = [];
    const unreadable: { commandId: string; queuedAt: string }[] = [];
    for (const entry of stored) {
      const parsed = Command.safeParse(entry.command);
      if (!parsed.success) {
        if (entry.status !== 'sent') unreadable.push({ commandId: String(entry.command.commandId), queuedAt: String(entry.queuedAt) });
        continue;
      }
      if (!known.has(parsed.data.commandId)) loaded.push({ ...entry, command: parsed.data });
    }
    this.entries = [...loaded, ...this.entries];
    this.unreadable = unreadable;
  }

  /** Entries still to be sent, oldest first: the order they were made in. */
  get waiting(): readonly OutboxEntry[] {
    return this.entries.filter((e) => e.status === 'waiting');
  }

  get(commandId: string): OutboxEntry | undefined {
    return this.entries.find((e) => e.command.commandId === commandId);
  }

  /** Queues a command; resolves once it is stored on the device. */
  add(command: Command): Promise<void> {
    if (this.get(command.commandId)) return this.#writes;
    const entry: OutboxEntry = { command, queuedAt: new Date().toISOString(), status: 'waiting', seq: null, failure: null, current: null };
    this.entries = [...this.entries, entry];
    return this.#persist(entry);
  }

  /** Puts an answered entry back to waiting, to be sent again with the same id. */
  requeue(commandId: string): Promise<void> {
    return this.#update(commandId, { status: 'waiting', seq: null, failure: null, current: null });
  }

  markSent(commandId: string, seq: number): Promise<void> {
    return this.#update(commandId, { status: 'sent', seq, failure: null, current: null });
  }

  markRejected(commandId: string, failure: Failure, current: GroupView | null): Promise<void> {
    return this.#update(commandId, { status: 'rejected', failure, current });
  }

  /** The person has seen a rejection (or a sent entry) and puts it away. Waiting entries stay. */
  dismiss(commandId: string): Promise<void> {
    const entry = this.get(commandId);
    if (!entry || entry.status === 'waiting') return this.#writes;
    this.entries = this.entries.filter((e) => e !== entry);
    return this.#queue((store) => store.deleteEntry(commandId));
  }

  /** The person has seen a change this build cannot read and lets it go. */
  discardUnreadable(commandId: string): Promise<void> {
    this.unreadable = this.unreadable.filter((u) => u.commandId !== commandId);
    return this.#queue((store) => store.deleteEntry(commandId));
  }

  /**
   * Deletes, here and on the device, the entries of groups this device may no longer hold (issue
   * 21: an erased group leaves no copy behind, its commands included). `removed`: every entry of
   * those groups, waiting ones too (the server would refuse them: the group is gone or out of this
   * user's view). `left`: only answered entries, since a group a snapshot left out may be one this
   * device reported and has not sent yet. Returns how many waiting entries went, for the screen to say.
   */
  forgetGroups(removed: ReadonlySet<string>, left: ReadonlySet<string>): number {
    const goes = (e: OutboxEntry): boolean => {
      // A movement command that names a group (a check-in, a manifest change) goes with that group.
      const id = 'groupId' in e.command ? e.command.groupId : commandSubjectId(e.command);
      return removed.has(id) || (e.status !== 'waiting' && left.has(id));
    };
    const going = this.entries.filter(goes);
    if (going.length === 0) return 0;
    this.entries = this.entries.filter((e) => !goes(e));
    const waiting = going.filter((e) => e.status === 'waiting').length;
    this.forgottenWaiting += waiting;
    for (const entry of going) void this.#queue((store) => store.deleteEntry(entry.command.commandId));
    return waiting;
  }

  /** Forgets the entries in memory (the device's copy is cleared by whoever clears the device). */
  clear(): void {
    this.entries = [];
  }

  /** Resolves when every write made so far is on disk. */
  settled(): Promise<void> {
    return this.#writes;
  }

  #update(commandId: string, patch: Partial<OutboxEntry>): Promise<void> {
    let changed: OutboxEntry | null = null;
    this.entries = this.entries.map((e) => (e.command.commandId === commandId ? (changed = { ...e, ...patch }) : e));
    return changed ? this.#persist(changed) : this.#writes;
  }

  #persist(entry: OutboxEntry): Promise<void> {
    return this.#queue((store) => store.putEntry(this.#userId, entry));
  }

  #queue(write: (store: OutboxPersistence) => Promise<void>): Promise<void> {
    const store = this.#store;
    if (!store) return this.#writes;
    this.unsaved++;
    this.#writes = this.#writes
      .then(() => write(store))
      .catch((error: unknown) => console.error('waymark: the device could not store an outbox change', error))
      .finally(() => this.unsaved--);
    return this.#writes;
  }
}
