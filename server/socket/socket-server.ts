import type http from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { Logger } from '../log';
import { describeError } from '../log';
import { readCookie, SESSION_COOKIE } from '../http/cookies';
import type { AuthService, KnownSession } from '../services/auth.service';
import type { CommandExecutor, PublishedChange } from '../services/command.service';
import type { SyncService } from '../services/sync.service';
import type { ChangeSource } from '../services/committed-changes';
import type { Repositories } from '../repositories/repositories';
import { GroupCommit, type GroupCommitOptions, type WritePath } from '../write/group-commit';
import { OutputHold } from './output-hold';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/events';
import type { Audience } from '../../shared/projection';
import { MAX_SOCKET_PAYLOAD_BYTES, PROTOCOL_VERSION, type HandshakeError } from '../../shared/protocol';
import { audienceRoom, packedRoomOf, personalRoomOf } from './audience-room';
import { ChangePublisher } from './change-publisher';
import { BoundaryWatch, crisisRoom } from './boundary-watch';
import { ConsularNotifier } from './consular-notifier';
import type { ConsularService } from '../services/consular.service';
import { registerCommandHandler } from './command.handler';
import { registerSyncHandler } from './sync.handler';
import { DEFAULT_SOCKET_RATE, TokenBucket, type SocketRatePolicy } from '../security/token-bucket';
import type { Cluster } from './redis-cluster';
import { originVerdict, type OriginPolicy } from '../http/origin';
import { SessionExpiry } from './session-expiry';

/** What the server keeps on each connection: who it is for, decided once at the handshake. */
export interface SocketData {
  audience: Audience;
  sessionId: string;
  /** The session's limits as this connection last knew them (see `liveSession`). */
  session: KnownSession;
  /** This connection's event budget (see SocketRatePolicy). */
  bucket: TokenBucket;
  /** The client decodes `changesPacked` (HandshakeAuth.packedLive). */
  packedLive: boolean;
}

/** Between server processes (through the Redis adapter): a doorbell, never group data. */
export interface InterServerEvents {
  /** Changes up to this sequence number committed on the sending process; read them from the log. */
  committed: (seq: number) => void;
}

export type WaymarkIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type WaymarkSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface SocketDeps {
  repositories: Repositories;
  auth: AuthService;
  /** Applies commands (CommandService: groups' and sites'). */
  commands: CommandExecutor;
  sync: SyncService;
  /** The committed changes, for publishing what another process (or anything else) wrote. */
  changes: ChangeSource;
  logger: Logger;
  /** Present when several processes share the database (WAYMARK_REDIS_URL). */
  cluster?: Cluster;
  /** Which browser pages may open a socket: the same rule as for state-changing REST requests. */
  origins: OriginPolicy;
  socketRate?: SocketRatePolicy;
  groupCommit?: GroupCommitOptions;
  /** Fewest changes a room's batch has to go packed to the sockets that asked (PACKED_LIVE_MIN). */
  packedLiveMin?: number;
  now?: () => number;
  /** Embassy rooms are told when their counts change (see ConsularNotifier). */
  consular?: ConsularService;
}

/** The Socket.IO side of the app and what the HTTP side needs from it. */
export interface SocketServer {
  io: WaymarkIo;
  publisher: ChangePublisher;
  /** The socket commands' write path (batches into one transaction per turn of the event loop). */
  writes: WritePath;
  /** Closes every connection opened with this session (sign-out). */
  disconnectSession(sessionId: string): void;
  /** Closes every connection of a user at once (disabled, role or agency changed, sessions ended). */
  disconnectUser(userId: string): void;
  /**
   * Closes every connection whose session ended or whose user changed, and publishes changes
   * committed elsewhere that no announcement brought (see SWEEP_INTERVAL_MS).
   */
  sweep(): Promise<void>;
  /** Stops the periodic sweep (the app is closing). */
  stopSweeping(): void;
  /** A boundary load of this process committed: the crisis's maps here draw them again. */
  boundariesLoaded(crisisId: string, version: number): void;
}

/**
 * The admin command runs in another process and cannot reach this server's sockets, so every
 * second each connection's session and user are checked again: a user disabled or signed out
 * from the command line is cut off within a second, as one disabled in the app is at once (and a
 * session past its time, which each socket's own timer usually closed first: SessionExpiry).
 * The same tick publishes any change in the log not yet published here: with several processes,
 * one whose Redis announcement was lost (Redis pub/sub delivers at most once) goes out a second late.
 */
export const SWEEP_INTERVAL_MS = 1000;

/** The room every connection of one user joins, so all of them can be closed together. */
export const userRoom = (userId: string) => `user:${userId}`;
/** The room every connection opened with one session joins (sign-out closes them on every process). */
export const sessionRoom = (sessionId: string) => `session:${sessionId}`;

const refuse = (reason: HandshakeError) => new Error(reason);

/** Attaches Socket.IO to an HTTP server: handshake checks, server-computed rooms, command and sync handlers. */
export function createSocketServer(httpServer: http.Server, deps: SocketDeps): SocketServer {
  const cluster = deps.cluster;
  const io: WaymarkIo = new Server(httpServer, {
    maxHttpBufferSize: MAX_SOCKET_PAYLOAD_BYTES,
    serveClient: false,
    // Connection state recovery stays off (the Redis adapter could not do it anyway): a client
    // catches up from its own last sequence number, on whichever process it reaches.
    ...(cluster ? { adapter: cluster.adapter } : {}),
  });
  // Whatever one batch gives a socket (its live changes, its acks) leaves in one write.
  const hold = new OutputHold((error) => deps.logger.error('socket.flush_failed', describeError(error)));
  hold.attach(io.engine);
  const publisher = new ChangePublisher(io, deps.logger, deps.changes, cluster ? announcer(io, cluster) : undefined, deps.packedLiveMin);
  publisher.deliver = (work) => hold.run(work);
  // The periodic check retries a catch-up that failed.
  const catchUp = (seq?: number) => publisher.catchUp(seq).catch((error: unknown) => deps.logger.error('change.catch_up_failed', describeError(error)));
  if (cluster) {
    io.on('committed', (seq: unknown) => {
      if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return;
      void catchUp(seq);
    });
  }
  const notifier = deps.consular ? new ConsularNotifier(io, deps.consular, deps.logger, deps.now) : null;
  if (notifier) publisher.onPublished((change) => notifier.changed(change));
  const publishBatch = (changes: readonly PublishedChange[]) => publisher.publishAll(changes);
  const writes: WritePath = new GroupCommit(deps.repositories, deps.commands, publishBatch, deps.logger, deps.groupCommit, deps.auth);
  writes.deliver = (work) => hold.run(work);
  publisher.mayRead = () => writes.unlocked();

  io.use(async (socket, next) => {
    try {
      const auth: unknown = socket.handshake.auth;
      const protocol = typeof auth === 'object' && auth !== null && 'protocol' in auth ? auth.protocol : undefined;
      if (protocol !== PROTOCOL_VERSION) return next(refuse('protocol_mismatch'));
      // A cross-site WebSocket hijack, on top of SameSite=Strict (another port of the same host is
      // the same site). No Origin at all: not a browser, which always sends one on a WebSocket.
      if (originVerdict({ headers: socket.handshake.headers, encrypted: socket.handshake.secure }, deps.origins) === 'foreign') {
        // Logged because a proxy that rewrites Host would refuse everyone; the fix is
        // WAYMARK_TRUST_PROXY (X-Forwarded-Host) or WAYMARK_ALLOWED_ORIGINS.
        deps.logger.warn('socket.forbidden_origin', { host: socket.handshake.headers.host ?? null });
        return next(refuse('forbidden_origin'));
      }
      const token = readCookie(socket.handshake.headers.cookie, SESSION_COOKIE);
      const session = token ? await deps.auth.resolveToken(token) : null;
      if (!session) return next(refuse('unauthorized'));
      socket.data.sessionId = session.sessionId;
      socket.data.session = { createdAtMs: session.createdAtMs, lastSeenAtMs: session.lastSeenAtMs };
      socket.data.audience = await deps.auth.audienceOf(session.user);
      socket.data.bucket = new TokenBucket(deps.socketRate ?? DEFAULT_SOCKET_RATE, deps.now);
      socket.data.packedLive = typeof auth === 'object' && auth !== null && 'packedLive' in auth && auth.packedLive === true;
      next();
    } catch (error) {
      deps.logger.error('socket.handshake_failed', describeError(error));
      next(refuse('unauthorized'));
    }
  });

  const boundaries = new BoundaryWatch(io, deps.repositories, deps.logger);
  const expiry = new SessionExpiry(deps.auth, deps.now ?? Date.now, deps.logger);
  io.on('connection', (socket) => {
    expiry.watch(socket);
    void socket.join([userRoom(socket.data.audience.userId), sessionRoom(socket.data.sessionId)]);
    if (socket.data.audience.crisisId !== null) void socket.join(crisisRoom(socket.data.audience.crisisId));
    const room = audienceRoom(socket.data.audience);
    if (room) {
      publisher.register(room);
      void socket.join(room.name);
      if (socket.data.packedLive) void socket.join(packedRoomOf(room.name));
      if (room.personal) {
        const personal = personalRoomOf(room.name, socket.data.audience.userId);
        void socket.join(socket.data.packedLive ? [personal, packedRoomOf(personal)] : personal);
      }
    }
    registerCommandHandler(socket, { auth: deps.auth, writes, logger: deps.logger });
    registerSyncHandler(socket, deps);
  });

  const sweep = async () => {
    const sockets = [...io.of('/').sockets.values()];
    if (sockets.length === 0) return;
    // One read for every connection's session and user (not two per socket).
    const states = await deps.auth.liveConnections([...new Set(sockets.map((socket) => socket.data.sessionId))]);
    for (const socket of sockets) {
      const state = states.get(socket.data.sessionId);
      // Ended, disabled, changed, or expired by time (each socket's own timer usually came first).
      if (!state || !deps.auth.connectionMatches(state, socket.data.audience) || expiry.expired(socket, state)) socket.disconnect(true);
    }
  };
  const timer = setInterval(() => {
    sweep().catch((error: unknown) => deps.logger.error('socket.sweep_failed', describeError(error)));
    void catchUp();
    // A load made elsewhere (the admin command, another process) reaches the maps here within a sweep.
    void boundaries.check();
  }, SWEEP_INTERVAL_MS);
  timer.unref();

  // This process's sockets at once; the other processes' through the adapter (the Redis adapter
  // would close local ones too, but only once its own request came back from Redis). With Redis
  // unreachable the request waits in the client's queue, and each process's sweep closes them
  // within a second anyway.
  const disconnectEverywhere = (room: string) => {
    io.local.in(room).disconnectSockets(true);
    if (cluster) io.in(room).disconnectSockets(true);
  };

  return {
    io,
    publisher,
    writes,
    sweep,
    stopSweeping: () => {
      clearInterval(timer);
      notifier?.stop();
    },
    disconnectSession: (sessionId) => disconnectEverywhere(sessionRoom(sessionId)),
    boundariesLoaded: (crisisId, version) => boundaries.loaded(crisisId, version),
    disconnectUser: (userId) => disconnectEverywhere(userRoom(userId)),
  };
}

/**
 * Rings the other processes' doorbell once per event-loop turn with the newest committed sequence
 * number (a batch of commits is one message). Skipped while Redis is unreachable: messages would
 * only pile up in memory, and the periodic check publishes those changes meanwhile.
 */
function announcer(io: WaymarkIo, cluster: Cluster): (seq: number) => void {
  let pending = 0;
  return (seq) => {
    if (pending === 0) {
      setImmediate(() => {
        const upto = pending;
        pending = 0;
        if (cluster.connected()) io.serverSideEmit('committed', upto);
      });
    }
    pending = Math.max(pending, seq);
  };
}
