import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, CommandAck, HandshakeAuth, ServerToClientEvents } from '../../../shared/events';
import { PROTOCOL_VERSION, type ErrorCode, type Failure } from '../../../shared/protocol';
import type { Command } from '../../../shared/schemas/command.schema';
import type { Crisis } from '../../../shared/schemas/crisis.schema';
import type { GroupView } from '../../../shared/schemas/group.schema';
import { ChangeFeed } from './change-feed';
import { Outbox } from './outbox.svelte';
import { ChangeEventSchema, CommandAckSchema, SyncAckSchema } from './wire';

type WaymarkSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** connecting: before the first sync of a connection; connected: synced and live; offline: lost, retrying. */
export type ConnectionState = 'connecting' | 'connected' | 'offline';
/** Reasons the client stops trying: the session is gone, or this tab is older than the server. */
export type FatalReason = 'unauthorized' | 'protocol_mismatch';

/** Codes after which a command is final: the person must see it and decide. Others are retried. */
const FINAL_CODES: ReadonlySet<ErrorCode> = new Set(['invalid', 'forbidden', 'not_found', 'conflict', 'unauthorized']);

export interface SyncClientOptions {
  /** Socket.IO server; same origin when absent (the session cookie travels by itself). */
  url?: string;
  commandTimeoutMs?: number;
  syncTimeoutMs?: number;
}

/**
 * The live picture of the crisis for this user, and the way writes reach the server.
 *
 * On every connection it asks `sync` with the last sequence number it applied (our own catch-up;
 * Socket.IO's connection state recovery is not used), buffers live changes until the reply is
 * applied, then sends again every command not yet acknowledged, with the same command id, which
 * the server deduplicates.
 */
export class SyncClient {
  /** Every group this user may see. Mutated in place: read `revision` to react to changes. */
  readonly groups: ReadonlyMap<string, GroupView>;
  revision = $state(0);
  connection = $state<ConnectionState>('connecting');
  /** True once the first sync of this session has been applied. */
  ready = $state(false);
  fatal = $state<FatalReason | null>(null);
  crisis = $state.raw<Crisis | null>(null);
  readonly outbox = new Outbox();

  #feed = new ChangeFeed();
  #socket: WaymarkSocket;
  #commandTimeoutMs: number;
  #syncTimeoutMs: number;
  /** Incremented by each sync request and each disconnect, so a late reply is recognised as stale. */
  #syncToken = 0;
  #live = false;
  #inFlight = new Set<string>();
  #waiters = new Map<string, (ack: CommandAck) => void>();
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #retryDelayMs = 1000;
  #destroyed = false;

  constructor(options: SyncClientOptions = {}) {
    this.groups = this.#feed.groups;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
    this.#syncTimeoutMs = options.syncTimeoutMs ?? 20_000;
    const auth: HandshakeAuth = { protocol: PROTOCOL_VERSION };
    const opts = { auth: { ...auth }, autoConnect: false };
    this.#socket = options.url ? io(options.url, opts) : io(opts);
    this.#socket.on('connect', this.#onConnect);
    this.#socket.on('disconnect', this.#onDisconnect);
    this.#socket.on('connect_error', this.#onConnectError);
    this.#socket.on('change', this.#onChange);
  }

  /** The last change-log position applied; null before the first sync. */
  get lastAppliedSeq(): number | null {
    return this.#feed.lastAppliedSeq;
  }

  start(): void {
    if (!this.#destroyed) this.#socket.connect();
  }

  /** Closes the connection and removes every listener; pending commands are given up. */
  destroy(): void {
    this.#destroyed = true;
    this.#clearRetry();
    this.#socket.off('connect', this.#onConnect);
    this.#socket.off('disconnect', this.#onDisconnect);
    this.#socket.off('connect_error', this.#onConnectError);
    this.#socket.off('change', this.#onChange);
    this.#socket.disconnect();
    this.#feed.reset();
    this.#waiters.clear();
  }

  /**
   * Queues a command and sends it as soon as the connection is live. Resolves with the server's
   * final answer: committed, or refused for a reason the person must see. A lost connection or a
   * timeout is not an answer: the command stays waiting and goes again after the reconnect.
   */
  send(command: Command): Promise<CommandAck> {
    // The same command again (a retry by hand): it waits once more, and the server, which keeps the
    // first result of every command id, answers with that result.
    if (this.outbox.get(command.commandId)) this.outbox.requeue(command.commandId);
    else this.outbox.add(command);
    const answer = new Promise<CommandAck>((resolve) => this.#waiters.set(command.commandId, resolve));
    this.#flush();
    return answer;
  }

  #onConnect = (): void => {
    this.connection = 'connecting';
    this.#requestSync();
  };

  #onDisconnect = (reason: Socket.DisconnectReason): void => {
    this.#live = false;
    this.#syncToken++;
    this.#inFlight.clear();
    this.#clearRetry();
    if (this.#destroyed) return;
    this.connection = 'offline';
    // The server closed this socket on purpose (for instance, a revoked session): Socket.IO does not
    // come back by itself after that; a new handshake tells whether the session still stands.
    if (reason === 'io server disconnect') this.#socket.connect();
  };

  #onConnectError = (error: Error): void => {
    if (error.message === 'unauthorized' || error.message === 'protocol_mismatch') {
      this.fatal = error.message;
      this.#socket.disconnect();
      return;
    }
    this.connection = 'offline';
  };

  #onChange = (raw: unknown): void => {
    const parsed = ChangeEventSchema.safeParse(raw);
    if (!parsed.success) {
      console.error('waymark: a change event did not match the contract', parsed.error.issues);
      return;
    }
    if (this.#feed.receive(parsed.data)) this.revision++;
  };

  #requestSync(): void {
    const token = ++this.#syncToken;
    this.#live = false;
    this.#feed.beginSync();
    this.#socket
      .timeout(this.#syncTimeoutMs)
      .emitWithAck('sync', { sinceSeq: this.#feed.lastAppliedSeq })
      .then(
        (raw: unknown) => {
          if (token !== this.#syncToken) return;
          const parsed = SyncAckSchema.safeParse(raw);
          if (!parsed.success) {
            console.error('waymark: the sync reply did not match the contract', parsed.error.issues);
            this.#scheduleResync(token);
            return;
          }
          const reply = parsed.data;
          if (!reply.ok) {
            if (reply.code === 'unauthorized') this.fatal = 'unauthorized';
            else this.#scheduleResync(token);
            return;
          }
          const changed =
            reply.mode === 'snapshot' ? this.#feed.applySnapshot(reply.seq, reply.groups) : this.#feed.applyCatchUp(reply.seq, reply.changes);
          if (reply.mode === 'snapshot') this.crisis = reply.crisis;
          if (changed) this.revision++;
          this.#live = true;
          this.ready = true;
          this.connection = 'connected';
          this.#retryDelayMs = 1000;
          this.#flush();
        },
        () => {
          // Timed out, or the connection dropped (then the next `connect` asks again).
          if (token === this.#syncToken) this.#scheduleResync(token);
        },
      );
  }

  #scheduleResync(token: number): void {
    this.#schedule(() => {
      if (token === this.#syncToken && this.#socket.connected) this.#requestSync();
    });
  }

  /** Sends every waiting command that is not already on its way, oldest first. */
  #flush(): void {
    if (!this.#live) return;
    for (const entry of this.outbox.waiting) {
      if (!this.#inFlight.has(entry.command.commandId)) void this.#transmit(entry.command);
    }
  }

  async #transmit(command: Command): Promise<void> {
    const id = command.commandId;
    const token = this.#syncToken;
    this.#inFlight.add(id);
    let raw: unknown;
    try {
      raw = await this.#socket.timeout(this.#commandTimeoutMs).emitWithAck('command', command);
    } catch {
      // No answer in time, or the connection dropped: still waiting; sent again later.
      if (token === this.#syncToken) {
        this.#inFlight.delete(id);
        this.#schedule(() => this.#flush());
      }
      return;
    }
    this.#inFlight.delete(id);
    const parsed = CommandAckSchema.safeParse(raw);
    if (!parsed.success) {
      console.error('waymark: a command reply did not match the contract', parsed.error.issues);
      this.#settle(id, { ok: false, code: 'internal', message: 'unreadable reply' }, null);
      return;
    }
    const ack = parsed.data;
    if (ack.ok) {
      this.outbox.markSent(id, ack.seq);
      if (this.#feed.applyAcknowledged({ view: 'full', group: ack.group }, ack.seq)) this.revision++;
      this.#resolve(id, ack);
    } else if (FINAL_CODES.has(ack.code)) {
      this.#settle(id, ack, ack.current ?? null);
      if (ack.code === 'unauthorized') this.fatal = 'unauthorized';
    } else {
      // rate_limited or internal: the server may well take it later.
      this.#schedule(() => this.#flush());
    }
  }

  #settle(id: string, failure: Failure, current: GroupView | null): void {
    this.outbox.markRejected(id, failure, current);
    this.#resolve(id, current ? { ...failure, current } : failure);
  }

  #resolve(id: string, ack: CommandAck): void {
    this.#waiters.get(id)?.(ack);
    this.#waiters.delete(id);
  }

  /** One retry timer with a growing delay, so a struggling server is not hammered. */
  #schedule(action: () => void): void {
    if (this.#retryTimer !== null || this.#destroyed) return;
    const delay = this.#retryDelayMs;
    this.#retryDelayMs = Math.min(delay * 2, 30_000);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      action();
    }, delay);
  }

  #clearRetry(): void {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }
}
