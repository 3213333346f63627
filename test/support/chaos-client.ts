import { io } from 'socket.io-client';
import { ChangeFeed } from '../../client/lib/sync/change-feed';
import { ChangeEventSchema, CommandAckSchema, SyncAckSchema } from '../../client/lib/sync/wire';
import { PROTOCOL_VERSION, type ErrorCode } from '../../shared/protocol';
import type { Command } from '../../shared/schemas/command.schema';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import type { ClientSocket } from './clients';

// A field device reduced to its sync rules, for the chaos test: its own outbox (in memory: the
// browser tests cover IndexedDB), the app's own ChangeFeed and wire schemas, and the same sending
// rules as client/lib/sync/sync-client.svelte.ts: on every connection a sync from the last applied
// sequence number, then the oldest waiting command, one at a time, with the same command id until
// it gets a final answer; a lost connection or a timeout is not an answer.

const FINAL_CODES: ReadonlySet<ErrorCode> = new Set(['invalid', 'forbidden', 'not_found', 'conflict', 'unauthorized']);
const ACK_TIMEOUT_MS = 5_000;

export type ChaosStatus = 'waiting' | 'sent' | 'rejected';
export interface ChaosEntry {
  command: Command;
  status: ChaosStatus;
  /** Change-log position of the acknowledgement; a command acknowledged twice must get the same one. */
  seq: number | null;
  code: ErrorCode | null;
}

export interface ChaosClientOptions {
  /** Hears every change the device's feed applies, live or from a catch-up (not the snapshot's groups). */
  onApplied?: (seq: number) => void;
  /** Hears every snapshot the device applies, with the sequence number it stands at. */
  onSnapshot?: (seq: number) => void;
  /**
   * Hears every catch-up the device applies: the position it asked from, the one the reply stands
   * at, and the changes it carried (one per group that changed, at its last change: the server
   * sends a group's current state, not each step of it).
   */
  onCatchUp?: (sinceSeq: number | null, seq: number, changes: readonly ChangeEvent[]) => void;
}

export class ChaosClient {
  readonly feed: ChangeFeed;
  readonly outbox: ChaosEntry[] = [];
  /** Times a repeated send of an acknowledged command came back with another sequence number (must stay 0). */
  inconsistentAcks = 0;
  /** The last reason the connection went away, for a failing run's report. */
  lastLoss = '';
  #socket: ClientSocket | null = null;
  #live = false;
  #sending = false;
  #stopped = false;
  #attempt = 0;
  /** One timer per kind of retry, so a pending resend never swallows a reconnect. */
  #timers: Record<'connect' | 'send', ReturnType<typeof setTimeout> | null> = { connect: null, send: null };
  #idle: (() => void)[] = [];

  constructor(
    readonly url: string,
    readonly cookie: string,
    /** A seeded random source, so a failing run can be replayed. */
    readonly random: () => number,
    private readonly options: ChaosClientOptions = {},
  ) {
    this.feed = new ChangeFeed(options.onApplied ? (change) => options.onApplied?.(change.seq) : undefined);
  }

  /** The command on the wire right now (sent, not yet answered), if any. */
  get inFlight(): ChaosEntry | null {
    return this.#sending ? (this.waiting[0] ?? null) : null;
  }

  get waiting(): ChaosEntry[] {
    return this.outbox.filter((e) => e.status === 'waiting');
  }

  get live(): boolean {
    return this.#live;
  }

  connect(): void {
    if (this.#stopped || this.#socket) return;
    const socket: ClientSocket = io(this.url, {
      transports: ['websocket'],
      extraHeaders: { cookie: this.cookie },
      auth: { protocol: PROTOCOL_VERSION },
      reconnection: false,
      forceNew: true,
    });
    this.#socket = socket;
    socket.on('connect', () => void this.#sync(socket));
    socket.on('change', (raw: unknown) => {
      const change = ChangeEventSchema.parse(raw);
      this.feed.receive(change);
    });
    socket.on('changes', (raw: unknown) => {
      for (const change of ChangeEventSchema.array().parse(raw)) this.feed.receive(change);
    });
    const lost = (reason: unknown) => this.#lose(socket, reason);
    socket.on('disconnect', lost);
    socket.on('connect_error', lost);
  }

  /** The network drops this device's connection (it comes back by itself, after a backoff). */
  drop(): void {
    const socket = this.#socket;
    if (!socket) return;
    // A socket still connecting emits no 'disconnect' when closed: count it lost here.
    socket.disconnect();
    this.#lose(socket, 'dropped');
  }

  #lose(socket: ClientSocket, reason: unknown): void {
    if (this.#socket !== socket) return;
    this.lastLoss = reason instanceof Error ? reason.message : String(reason);
    socket.removeAllListeners();
    socket.close();
    this.#socket = null;
    this.#live = false;
    this.#sending = false;
    this.#retry('connect', () => this.connect());
  }

  /** Makes a change: into the outbox at once, out when the connection allows. */
  make(command: Command): void {
    this.outbox.push({ command, status: 'waiting', seq: null, code: null });
    this.#pump();
  }

  /** Resolves when connected, synced and nothing waits. */
  drained(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Asks for what it missed once more (a barrier: every change sent before it has arrived). */
  async resync(): Promise<void> {
    const socket = this.#socket;
    if (!socket || !this.#live) throw new Error('resync needs a live connection');
    void this.#sync(socket);
    await this.drained();
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of Object.values(this.#timers)) if (timer) clearTimeout(timer);
    this.#socket?.removeAllListeners();
    this.#socket?.close();
    this.#socket = null;
  }

  #isIdle(): boolean {
    return this.#live && this.waiting.length === 0;
  }

  #checkIdle(): void {
    if (!this.#isIdle()) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  async #sync(socket: ClientSocket): Promise<void> {
    this.#live = false;
    this.feed.beginSync();
    let raw: unknown;
    const sinceSeq = this.feed.lastAppliedSeq;
    try {
      raw = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('sync', { sinceSeq });
    } catch {
      if (this.#socket === socket) socket.disconnect();
      return;
    }
    if (this.#socket !== socket) return;
    const reply = SyncAckSchema.parse(raw);
    if (!reply.ok) {
      if (reply.code !== 'rate_limited' && reply.code !== 'internal') throw new Error(`sync refused: ${reply.code}`);
      // As the app does: ask again after a backoff, on the same connection.
      this.#retry('connect', () => {
        if (this.#socket === socket) void this.#sync(socket);
      });
      return;
    }
    // This client does not ask for packed snapshots.
    if (reply.mode === 'packed' || reply.mode === 'packed-changes') throw new Error('a packed snapshot nobody asked for');
    if (reply.mode === 'snapshot') {
      this.feed.applySnapshot(reply.seq, reply.groups);
      this.options.onSnapshot?.(reply.seq);
    } else {
      this.options.onCatchUp?.(sinceSeq, reply.seq, reply.changes);
      this.feed.applyCatchUp(reply.seq, reply.changes);
    }
    this.#live = true;
    this.#attempt = 0;
    this.#pump();
    this.#checkIdle();
  }

  #pump(): void {
    const socket = this.#socket;
    if (!this.#live || this.#sending || !socket) return;
    const entry = this.waiting[0];
    if (!entry) return this.#checkIdle();
    this.#sending = true;
    socket
      .timeout(ACK_TIMEOUT_MS)
      .emitWithAck('command', entry.command)
      .then(
        (raw: unknown) => {
          if (this.#socket !== socket) return;
          this.#sending = false;
          const ack = CommandAckSchema.parse(raw);
          if (ack.ok) {
            if (entry.seq !== null && entry.seq !== ack.seq) this.inconsistentAcks++;
            entry.status = 'sent';
            entry.seq = ack.seq;
            if (ack.group) this.feed.applyAcknowledged(ack.group, ack.seq);
            this.#attempt = 0;
            this.#pump();
          } else if (FINAL_CODES.has(ack.code)) {
            entry.status = 'rejected';
            entry.code = ack.code;
            this.#pump();
          } else {
            this.#retry('send', () => this.#pump());
          }
        },
        () => {
          // Timed out or the connection dropped: still waiting; the reconnect sends it again.
          if (this.#socket === socket) {
            this.#sending = false;
            this.#retry('send', () => this.#pump());
          }
        },
      );
  }

  /** Full-jitter backoff, small here so the test runs fast. */
  #retry(kind: 'connect' | 'send', action: () => void): void {
    if (this.#stopped || this.#timers[kind]) return;
    const ceiling = Math.min(400, 10 * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 10);
    this.#timers[kind] = setTimeout(() => {
      this.#timers[kind] = null;
      action();
    }, this.random() * ceiling);
  }
}
