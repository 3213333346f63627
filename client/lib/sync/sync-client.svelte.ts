import { io, type Socket } from 'socket.io-client';
import { boundaryNotice } from '../map/boundary-notice.svelte';
import type { ClientToServerEvents, CommandAck, HandshakeAuth, ServerToClientEvents } from '../../../shared/events';
import { PROTOCOL_VERSION, type ErrorCode } from '../../../shared/protocol';
import type { Command } from '../../../shared/schemas/command.schema';
import type { Crisis } from '../../../shared/schemas/crisis.schema';
import { GroupView } from '../../../shared/schemas/group.schema';
import type { MovementView } from '../../../shared/schemas/movement.schema';
import { Site } from '../../../shared/schemas/site.schema';
import { ImportJob } from '../../../shared/schemas/import.schema';
import { DEVICE_COPY_PROJECTION, type DeviceStore } from '../offline/device-store';
import { TabCoordinator, type TabMessage } from '../offline/tab-coordinator';
import { fullJitterDelay } from './backoff';
import { ChangeFeed } from './change-feed';
import type { ChangeLogReader } from '../state/change-log';
import { Outbox } from './outbox.svelte';
import { ChangeEventSchema, CommandAckSchema, SyncAckSchema, unpackChanges, unpackViews } from './wire';
import { fetchGroup } from '../api/admin-api';
import { projectedViews, type HeldView } from './held-view';
import type { ChangeEvent } from '../../../shared/schemas/sync.schema';
import { overlayChanges, type PointView } from '../../../shared/packed-views';
import { markLoadStep } from '../timing';

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
  /** The device's storage and whose it is: the outbox and the last groups survive a reload. */
  device?: { store: DeviceStore; userId: string };
}

/** The last groups are written at most this often while changes stream in. */
const SAVE_GROUPS_EVERY_MS = 2_000;
/**
 * Past this many groups the device keeps the packed snapshot the session started from, not every
 * group after every change: writing 100,000 groups to IndexedDB blocks the page for about a second
 * each time. A start with no connection then shows that snapshot; the next sync catches up from it.
 */
const SAVE_ON_CHANGE_MAX_GROUPS = 20_000;
/** How loading a group's details ended (`loadGroup`). */
export type DetailsLoad = 'loaded' | 'offline' | 'not_found' | 'failed';

/** Live changes reach lists, counters and the map at most this often (see #bumpSoon). */
const LIVE_BATCH_MS = 250;

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
  readonly groups: ReadonlyMap<string, HeldView>;
  /** Every movement this user may see (issue 20), as projected for them. Mutated in place, like `groups`. */
  readonly movements: ReadonlyMap<string, MovementView>;
  /** The crisis's sites (issue 20). Mutated in place: read `revision` to react to changes. */
  readonly sites: ReadonlyMap<string, Site>;
  /** Which of `groups` changed since a reader last looked, so views update from those alone. */
  readonly changes: ChangeLogReader;
  revision = $state(0);
  /** Bumped when the server says this embassy's counts changed (`consularChanged`): read them again. */
  consularRevision = $state(0);
  connection = $state<ConnectionState>('connecting');
  /** True once the first sync of this session has been applied. */
  ready = $state(false);
  fatal = $state<FatalReason | null>(null);
  crisis = $state.raw<Crisis | null>(null);
  /**
   * A first packed snapshot's map points, read ahead of its full decode (`decodeViewPoints`): the
   * map hands them to its worker while the views are decoded, and compares them with the groups
   * once these are applied. Null again as soon as the views are applied, or refused.
   */
  firstPoints = $state.raw<readonly PointView[] | null>(null);
  /** The map drawing a first view of `firstPoints` (holdDecodeFor); taken by the decoding that waits for it. */
  #firstViewDrawing: Promise<unknown> | null = null;
  /**
   * Settles once the first sync of this session is on its way, or cannot be (the socket failed to
   * connect, the client was destroyed), or once the device's kept groups are held (there is
   * something to show). A map waits for it before it starts (GroupMapProps.startAfter): the map's
   * start-up holds the page for up to a second, and the device read, the socket's handshake and
   * the sync waited behind it; started first, the server builds and sends the groups meanwhile.
   */
  readonly underWay: Promise<void>;
  #settleUnderWay: () => void = () => {};
  readonly outbox: Outbox;

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
  #attempt = 0;
  #destroyed = false;
  #device: { store: DeviceStore; userId: string } | null;
  #saveTimer: ReturnType<typeof setTimeout> | null = null;
  #bumpTimer: ReturnType<typeof setTimeout> | null = null;
  /** Live events still being unpacked or waiting behind one (see #inOrder). */
  #unpacking = 0;
  #liveQueue: Promise<void> = Promise.resolve();
  /** The last packed snapshot applied (a big crisis): what the device keeps instead of every group. */
  #packedBase: { seq: number; views: ArrayBuffer | Uint8Array; saved: boolean; summaries: boolean } | null = null;
  /**
   * The server's name for the projection the held groups came under (`projectionKey`): sent back
   * with the position, so that a user given another scope gets a snapshot, not a catch-up that
   * would keep the groups of the old one.
   */
  #projection: string | null = null;
  /**
   * Groups whose details retention purged, by id: the version purged and when, from the details'
   * read (the server says so only while that version is the current one). The details show it.
   */
  purges = $state.raw<ReadonlyMap<string, { version: number; at: string }>>(new Map());
  /** Details being read, by group id: one request per group at a time. */
  #loading = new Map<string, Promise<DetailsLoad>>();
  /** Whether this tab sends the outbox (one tab per user and device does; see TabCoordinator). */
  sender = $state(false);
  #tabs: TabCoordinator | null = null;

  constructor(options: SyncClientOptions = {}) {
    this.underWay = new Promise<void>((resolve) => (this.#settleUnderWay = resolve));
    this.groups = this.#feed.groups;
    this.movements = this.#feed.movements;
    this.sites = this.#feed.sites;
    this.changes = this.#feed.log;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
    this.#syncTimeoutMs = options.syncTimeoutMs ?? 20_000;
    this.#device = options.device ?? null;
    this.outbox = new Outbox(this.#device?.store ?? null, this.#device?.userId ?? '');
    this.sender = this.#device === null;
    const auth: HandshakeAuth = { protocol: PROTOCOL_VERSION, packedLive: true };
    // WebSocket first, long-polling only where a WebSocket cannot be opened (a proxy that blocks
    // it): a big crisis's first state (megabytes, binary) then comes as one binary frame, not as
    // base64 inside polling responses while the connection is still being upgraded.
    const opts = { auth: { ...auth }, autoConnect: false, transports: ['websocket', 'polling'], tryAllTransports: true };
    this.#socket = options.url ? io(options.url, opts) : io(opts);
    this.#socket.on('connect', this.#onConnect);
    this.#socket.on('disconnect', this.#onDisconnect);
    this.#socket.on('connect_error', this.#onConnectError);
    this.#socket.on('change', this.#onChange);
    this.#socket.on('changes', this.#onChanges);
    this.#socket.on('changesPacked', this.#onChangesPacked);
    this.#socket.on('consularChanged', this.#onConsularChanged);
    this.#socket.on('boundariesChanged', this.#onBoundariesChanged);
  }

  #onConsularChanged = (): void => {
    this.consularRevision++;
  };

  /** When retention purged this version of the group's details; null when it did not (or it is not known). */
  purgedAt(id: string, version: number): string | null {
    const purge = this.purges.get(id);
    return purge && purge.version === version ? purge.at : null;
  }

  #onBoundariesChanged = (version: number): void => {
    if (Number.isSafeInteger(version)) boundaryNotice.announced(version);
  };

  /** The last change-log position applied; null before the first sync. */
  get lastAppliedSeq(): number | null {
    return this.#feed.lastAppliedSeq;
  }

  /**
   * Reads what the device kept (the outbox, the last groups), then connects. With the last groups
   * the map and the lists are there at once, offline too; the first sync then asks only for what
   * changed since them.
   */
  async start(): Promise<void> {
    if (this.#device) {
      const { store, userId } = this.#device;
      const [, kept] = await Promise.all([this.outbox.load(), store.loadGroups(userId).catch(() => null)]);
      // A copy from before protection rule 11 holds other teams' groups in full: delete it unread.
      const cached = kept && kept.projection !== DEVICE_COPY_PROJECTION ? null : kept;
      if (kept && !cached) await store.forgetGroups().catch((error: unknown) => console.error('waymark: an old device copy could not be deleted', error));
      const groups = !cached
        ? null
        : cached.packed
          ? await unpackViews(cached.packed).then(
              (data) => ({ success: true as const, data }),
              () => null,
            )
          : GroupView.array().safeParse(cached.groups);
      if (cached && groups?.success && this.#feed.lastAppliedSeq === null) {
        this.#projection = cached.audience ?? null;
        const sites = Site.array().safeParse(cached.sites ?? []);
        this.#feed.applySnapshot(cached.seq, groups.data, sites.success ? sites.data : []);
        if (cached.packed) this.#packedBase = { seq: cached.seq, views: cached.packed, saved: true, summaries: groups.data.some(isSummaryView) };
        this.revision++;
        this.ready = true;
        this.#settleUnderWay();
      }
    }
    if (this.#destroyed) return;
    if (this.#device) {
      this.#tabs = new TabCoordinator(this.#device.userId, { onsender: this.#becomeSender, onmessage: this.#onTabMessage });
      this.#tabs.start();
    }
    this.#socket.connect();
    if (typeof window !== 'undefined') window.addEventListener('online', this.#onOnline);
  }

  /** This tab now sends: what other tabs queued meanwhile is read from the device first. */
  #becomeSender = (): void => {
    this.sender = true;
    void this.outbox.load().then(() => this.#flush());
  };

  #onTabMessage = (message: TabMessage): void => {
    switch (message.kind) {
      case 'queued':
        if (this.sender) void this.outbox.load().then(() => this.#flush());
        return;
      case 'answered':
        // The sending tab stored the answer; this tab shows it (and answers its own form).
        if (this.sender || !this.outbox.get(message.commandId)) return;
        this.#answer(message.commandId, message.ack, false);
        return;
    }
  };

  /** The browser says the network is back: try now rather than at the end of Socket.IO's backoff. */
  #onOnline = (): void => {
    if (!this.#destroyed && !this.#socket.connected && !this.fatal) this.#socket.connect();
  };

  /**
   * The map is drawing a first view of `firstPoints` (GroupMap): the rest of the snapshot is
   * decoded once `drawing` settles (the map bounds it to about a second). Decoded meanwhile, its
   * slices and their garbage collection held the map's frames back: on 100,000 groups the view
   * came 0.6 to 0.8 s after the points, and 0.4 to 0.6 s once the decode waited for it. Only
   * while the points are out; ignored otherwise.
   */
  holdDecodeFor(drawing: Promise<unknown>): void {
    if (this.firstPoints) this.#firstViewDrawing = drawing.catch(() => undefined);
  }

  /** Closes the connection and removes every listener; pending commands are given up. */
  destroy(): void {
    this.#destroyed = true;
    this.#settleUnderWay();
    this.#clearRetry();
    if (this.#saveTimer !== null) clearTimeout(this.#saveTimer);
    if (this.#bumpTimer !== null) clearTimeout(this.#bumpTimer);
    if (typeof window !== 'undefined') window.removeEventListener('online', this.#onOnline);
    this.#socket.off('connect', this.#onConnect);
    this.#socket.off('disconnect', this.#onDisconnect);
    this.#socket.off('connect_error', this.#onConnectError);
    this.#socket.off('change', this.#onChange);
    this.#socket.off('changes', this.#onChanges);
    this.#socket.off('changesPacked', this.#onChangesPacked);
    this.#socket.off('consularChanged', this.#onConsularChanged);
    this.#socket.off('boundariesChanged', this.#onBoundariesChanged);
    this.#socket.disconnect();
    this.#tabs?.close();
    this.#feed.reset();
    this.#waiters.clear();
  }

  /**
   * Listens to this user's CSV import progress (the server sends it to the user's own room);
   * returns the function that stops listening. Payloads are parsed like every other event.
   */
  onImportProgress(listener: (job: ImportJob) => void): () => void {
    const handler = (payload: unknown) => {
      const job = ImportJob.safeParse(payload);
      if (job.success) listener(job.data);
    };
    this.#socket.on('importProgress', handler);
    return () => this.#socket.off('importProgress', handler);
  }

  /**
   * Queues a command and sends it as soon as the connection is live. Resolves with the server's
   * final answer: committed, or refused for a reason the person must see. A lost connection or a
   * timeout is not an answer: the command stays waiting and goes again after the reconnect.
   */
  send(command: Command): Promise<CommandAck> {
    // The same command again (a retry by hand): it waits once more, and the server, which keeps the
    // first result of every command id, answers with that result.
    if (this.outbox.get(command.commandId)) void this.outbox.requeue(command.commandId);
    else void this.outbox.add(command);
    const answer = new Promise<CommandAck>((resolve) => this.#waiters.set(command.commandId, resolve));
    if (!this.sender) void this.outbox.settled().then(() => this.#tabs?.post({ kind: 'queued' }));
    this.#flush();
    return answer;
  }

  /**
   * Reads a group's details (`GET /api/groups/:id`, which the server audits as a read of them).
   * When the group is held as a summary (a big crisis's coordinator), the full view read replaces
   * it, unless a newer version arrived meanwhile. One request per group at a time.
   */
  loadGroup(id: string): Promise<DetailsLoad> {
    let pending = this.#loading.get(id);
    if (!pending) {
      pending = this.#readGroup(id).finally(() => this.#loading.delete(id));
      this.#loading.set(id, pending);
    }
    return pending;
  }

  async #readGroup(id: string): Promise<DetailsLoad> {
    const result = await fetchGroup(id);
    if (this.#destroyed) return 'failed';
    if (!result.ok) return result.code === 'network' ? 'offline' : result.code === 'not_found' ? 'not_found' : 'failed';
    if (this.#feed.groups.get(id)?.view === 'summary' && this.#feed.applyRead(result.value.group)) this.revision++;
    const { purgedAt } = result.value;
    if (purgedAt !== undefined || this.purges.has(id)) {
      const purges = new Map(this.purges);
      if (purgedAt === undefined) purges.delete(id);
      else purges.set(id, { version: result.value.group.group.version, at: purgedAt });
      this.purges = purges;
    }
    return 'loaded';
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
      this.#settleUnderWay();
      return;
    }
    this.connection = 'offline';
    this.#settleUnderWay();
  };

  #onChange = (raw: unknown): void => {
    this.#inOrder(() => {
      if (this.#receive(raw)) this.#changed();
      this.#forgetRemoved();
    });
  };

  /** Several changes of one commit, in order: applied one by one, redrawn once. */
  #onChanges = (raw: unknown): void => {
    this.#inOrder(() => {
      if (!Array.isArray(raw)) {
        console.error('waymark: a changes event did not match the contract');
        return;
      }
      let changed = false;
      for (const item of raw) changed = this.#receive(item) || changed;
      if (changed) this.#changed();
      this.#forgetRemoved();
    });
  };

  /** The same, packed and gzipped (a big batch): unpacked and checked value by value by decodeChanges. */
  #onChangesPacked = (raw: unknown, rawOwn?: unknown): void => {
    // A field phone's own groups in this batch, projected for its user (see overlayChanges).
    const own = rawOwn === undefined ? { success: true as const, data: [] } : ChangeEventSchema.array().safeParse(rawOwn);
    const decoded = !own.success
      ? Promise.reject(new Error('changesPacked carried own changes that did not match the contract'))
      : raw instanceof ArrayBuffer || raw instanceof Uint8Array
        ? unpackChanges(raw).then((shared) => overlayChanges(shared, own.data))
        : Promise.reject(new Error('changesPacked carried no bytes'));
    this.#inOrder(async () => {
      let changes: ChangeEvent[];
      try {
        changes = await decoded;
      } catch (error) {
        // Nothing of it is applied; the next sync (a reconnect) brings these changes again.
        console.error('waymark: packed changes did not match the contract', error);
        return;
      }
      let changed = false;
      for (const change of changes) changed = this.#feed.receive(change) || changed;
      if (changed) this.#changed();
      this.#forgetRemoved();
    });
  };

  /**
   * Runs live events strictly in arrival order: a packed batch is unpacked asynchronously, and a
   * change that came after it must not be applied first (the feed would then skip the batch's
   * changes as already seen). With nothing being unpacked, a change is applied at once.
   */
  #inOrder(step: () => void | Promise<void>): void {
    if (this.#unpacking === 0) {
      const result = step();
      if (!(result instanceof Promise)) return;
      this.#track(result);
      return;
    }
    this.#track(this.#liveQueue.then(() => (this.#destroyed ? undefined : step())));
  }

  #track(work: Promise<void>): void {
    this.#unpacking++;
    const done = work.finally(() => this.#unpacking--);
    this.#liveQueue = done.catch((error: unknown) => console.error('waymark: a live change could not be applied', error));
  }

  #changed(): void {
    this.#bumpSoon();
    this.#scheduleSave();
  }

  #receive(raw: unknown): boolean {
    const parsed = ChangeEventSchema.safeParse(raw);
    if (!parsed.success) {
      console.error('waymark: a change event did not match the contract', parsed.error.issues);
      return false;
    }
    return this.#feed.receive(parsed.data);
  }

  /**
   * Live changes from others are shown in batches: `revision` (which every list, counter and the
   * map recompute from) moves at most once per LIVE_BATCH_MS, however many changes arrived. With a
   * whole crisis on screen, recomputing per change (100 a second) would keep the page busy.
   */
  #bumpSoon(): void {
    if (this.#bumpTimer !== null) return;
    this.#bumpTimer = setTimeout(() => {
      this.#bumpTimer = null;
      if (!this.#destroyed) this.revision++;
    }, LIVE_BATCH_MS);
  }

  /**
   * A packed sync reply, unpacked: null when its bytes did not match the contract (logged, and a new
   * sync is scheduled) or when a newer sync has started meanwhile.
   */
  async #unpackOrResync<T>(token: number, unpacking: Promise<T>, what: string): Promise<T | null> {
    try {
      const value = await unpacking;
      return token === this.#syncToken ? value : null;
    } catch (error) {
      console.error(`waymark: ${what} did not match the contract`, error);
      this.#scheduleResync(token);
      return null;
    }
  }

  #requestSync(): void {
    const token = ++this.#syncToken;
    this.#live = false;
    this.#feed.beginSync();
    markLoadStep('sync-sent');
    this.#settleUnderWay();
    this.#socket
      .timeout(this.#syncTimeoutMs)
      // packed: a snapshot of a big crisis comes compact and compressed (PackedSnapshotResult).
      .emitWithAck('sync', { sinceSeq: this.#feed.lastAppliedSeq, packed: true, ...(this.#projection === null ? {} : { projection: this.#projection }) })
      .then(
        async (raw: unknown) => {
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
          if (reply.projection !== undefined) this.#projection = reply.projection;
          if (reply.mode === 'packed-changes') {
            const changes = await this.#unpackOrResync(token, unpackChanges(reply.changes), 'the packed changes');
            if (changes) this.#synced(this.#feed.applyCatchUp(reply.seq, changes));
            return;
          }
          if (reply.mode === 'packed') {
            markLoadStep('snapshot-received');
            // Nothing held yet (a first start on this device): the map may draw the points first.
            const first = this.#feed.lastAppliedSeq === null && this.groups.size === 0;
            const unpacking = unpackViews(
              reply.views,
              first
                ? (points) => {
                    this.firstPoints = points;
                    markLoadStep('points-ready');
                  }
                : undefined,
              () => {
                const drawing = this.#firstViewDrawing;
                this.#firstViewDrawing = null;
                return drawing;
              },
            );
            const views = await this.#unpackOrResync(token, unpacking, 'the packed snapshot');
            this.#firstViewDrawing = null;
            if (views) markLoadStep('snapshot-decoded');
            // Applied below, or refused: either way the map now goes by the groups.
            this.firstPoints = null;
            if (!views) return;
            this.crisis = reply.crisis;
            this.#feed.applyMovements(reply.movements);
            this.#packedBase = { seq: reply.seq, views: reply.views, saved: false, summaries: views.some(isSummaryView) };
            if (reply.seq < reply.head) {
              // A shared snapshot a little behind the log: the missed changes come next, then live.
              this.#feed.applyBase(reply.seq, views, reply.sites);
              markLoadStep('snapshot-applied');
              this.revision++;
              this.#requestSync();
              return;
            }
            this.#feed.applySnapshot(reply.seq, views, reply.sites);
            markLoadStep('snapshot-applied');
            this.#synced(true);
            return;
          }
          const changed =
            reply.mode === 'snapshot' ? this.#feed.applySnapshot(reply.seq, reply.groups, reply.sites) : this.#feed.applyCatchUp(reply.seq, reply.changes);
          if (reply.mode === 'snapshot') {
            this.crisis = reply.crisis;
            this.#feed.applyMovements(reply.movements);
            this.#packedBase = null;
          }
          this.#synced(changed);
        },
        () => {
          // Timed out, or the connection dropped (then the next `connect` asks again).
          if (token === this.#syncToken) this.#scheduleResync(token);
        },
      );
  }

  /** A sync reply is applied: live from here on, and the outbox may send. */
  #synced(changed: boolean): void {
    if (changed) this.revision++;
    this.#live = true;
    this.ready = true;
    this.connection = 'connected';
    this.#attempt = 0;
    // Before the outbox sends: a waiting command of a group erased meanwhile goes with the group.
    if (!this.#forgetRemoved()) this.#saveGroups();
    this.#flush();
  }

  /**
   * A group this device may no longer hold (an erasure's tombstone, or it left this user's view) is
   * deleted from what the device stores at once, not at the next periodic save (issue 21): its
   * outbox records, and the stored groups, rewritten now without it. A big crisis's stored copy is
   * the packed snapshot the session started from, which still holds the group: it is deleted (the
   * next start then waits for the server, as on a new device) rather than rewritten, since writing
   * every group would block the page. Returns whether the stored groups were rewritten.
   */
  #forgetRemoved(): boolean {
    const { removed, left } = this.#feed.takeRemoved();
    if (removed.size === 0 && left.size === 0) return false;
    this.outbox.forgetGroups(removed, left);
    if (!this.#device || removed.size === 0) return false;
    if (this.#packedBase) {
      // Kept only while it holds nothing the device must forget: a removal after it means it does.
      this.#packedBase = null;
      this.#device.store.forgetGroups().catch((error: unknown) => console.error('waymark: the device copy of an erased group could not be deleted', error));
    }
    this.#saveGroups();
    return true;
  }

  #scheduleResync(token: number): void {
    this.#schedule(() => {
      if (token === this.#syncToken && this.#socket.connected) this.#requestSync();
    });
  }

  /**
   * Sends the oldest waiting command, one at a time: a person's changes reach the server in the
   * order they were made (a report before its update), at the cost of one round trip each.
   */
  #flush(): void {
    if (!this.#live || !this.sender || this.#inFlight.size > 0) return;
    const next = this.outbox.waiting[0];
    if (next) void this.#transmit(next.command);
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
      this.#answer(id, { ok: false, code: 'internal', message: 'unreadable reply' }, true);
      return;
    }
    const ack = parsed.data;
    if (ack.ok) {
      this.#answer(id, ack, true);
      this.#attempt = 0;
      this.#flush();
    } else if (FINAL_CODES.has(ack.code)) {
      this.#answer(id, ack, true);
      if (ack.code === 'unauthorized') this.fatal = 'unauthorized';
      else this.#flush();
    } else {
      // rate_limited or internal: the server may well take it later.
      this.#schedule(() => this.#flush());
    }
  }

  /**
   * A final answer, from the server or from the tab that sent it: stored in the outbox, shown,
   * given to whoever waits for it, and (when this tab sent it) told to the other tabs.
   */
  #answer(id: string, ack: CommandAck, fromServer: boolean): void {
    if (ack.ok) {
      void this.outbox.markSent(id, ack.seq);
      // No group: the sender may no longer see it (the feed brings its removal).
      if (ack.group && this.#feed.applyAcknowledged(ack.group, ack.seq)) {
        this.revision++;
        this.#scheduleSave();
      }
      if (ack.site && this.#feed.applyAcknowledgedSite(ack.site, ack.seq)) {
        this.revision++;
        this.#scheduleSave();
      }
    } else {
      const { current, ...failure } = ack;
      void this.outbox.markRejected(id, failure, current ?? null);
    }
    this.#resolve(id, ack);
    if (fromServer) this.#tabs?.post({ kind: 'answered', commandId: id, ack });
  }

  #resolve(id: string, ack: CommandAck): void {
    this.#waiters.get(id)?.(ack);
    this.#waiters.delete(id);
  }

  /** The groups as they are now, for the next start with no connection. */
  #saveGroups(): void {
    if (this.#saveTimer !== null) clearTimeout(this.#saveTimer);
    this.#saveTimer = null;
    const seq = this.#feed.lastAppliedSeq;
    if (!this.#device || seq === null || this.#destroyed) return;
    const { store, userId } = this.#device;
    const views = this.#feed.groups.size > SAVE_ON_CHANGE_MAX_GROUPS ? null : projectedViews(this.#feed.groups.values());
    if (views === null) {
      // A big crisis: the packed snapshot it started from, once; the changes since come again at the next sync.
      // Summaries too: the device copy of groups is read back through the views' schema, which a summary is not.
      const base = this.#packedBase;
      if (!base || base.saved) return;
      base.saved = true;
      store
        .saveGroups({ userId, seq: base.seq, groups: [], sites: [...this.#feed.sites.values()], packed: base.views, ...this.#audienceField() })
        .catch((error: unknown) => {
          console.warn('waymark: the device could not keep the last groups', error);
        });
      return;
    }
    store.saveGroups({ userId, seq, groups: views, sites: [...this.#feed.sites.values()], ...this.#audienceField() }).catch((error: unknown) => {
      console.warn('waymark: the device could not keep the last groups', error);
    });
  }

  #audienceField(): { audience?: string } {
    return this.#projection === null ? {} : { audience: this.#projection };
  }

  #scheduleSave(): void {
    if (this.#feed.groups.size > SAVE_ON_CHANGE_MAX_GROUPS || this.#packedBase?.summaries) return;
    if (this.#saveTimer === null && this.#device) this.#saveTimer = setTimeout(() => this.#saveGroups(), SAVE_GROUPS_EVERY_MS);
  }

  /** One retry timer with a growing, jittered delay, so a struggling server is not hammered. */
  #schedule(action: () => void): void {
    if (this.#retryTimer !== null || this.#destroyed) return;
    const delay = fullJitterDelay(this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 16);
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

const isSummaryView = (view: HeldView): boolean => view.view === 'summary';
