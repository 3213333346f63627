import { MessageType } from 'socket.io-adapter';

/** A message the PostgreSQL adapter was about to send that is not one of Waymark's signals; it is dropped, not sent. */
export class ClusterSignalRefusedError extends Error {
  override readonly name = 'ClusterSignalRefusedError';
}

/**
 * The adapter messages Waymark sends between nodes: the adapter's own bookkeeping (heartbeats, a
 * node leaving), `serverSideEmit('committed', seq)` and `io.in(room).disconnectSockets(true)`.
 * Everything else the adapter can carry would put personal data in NOTIFY payloads (and, when
 * large, in a table): a non-local broadcast carries the records themselves, and fetchSockets'
 * answer carries each socket's handshake (headers, cookies) and data.
 */
const SIGNALS: ReadonlySet<number> = new Set([
  MessageType.INITIAL_HEARTBEAT,
  MessageType.HEARTBEAT,
  MessageType.ADAPTER_CLOSE,
  MessageType.SERVER_SIDE_EMIT,
  MessageType.DISCONNECT_SOCKETS,
]);

/** The statement the adapter sends every message with (node_modules/@socket.io/postgres-adapter/dist/util.js). */
const NOTIFY = 'SELECT pg_notify($1, $2)';

/** A room name Waymark signals about: `user:<uuid>` or `session:<sha256 hex>`, nothing a person typed. */
const ROOM = /^(user:[0-9a-f-]{36}|session:[0-9a-f]{64})$/i;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether every room in a disconnect request is one of ours (ids and hashes only). */
function roomsAreIds(data: unknown): boolean {
  if (!isRecord(data) || !isRecord(data.opts)) return false;
  const rooms = [data.opts.rooms, data.opts.except].flatMap((list) => (Array.isArray(list) ? (list as unknown[]) : []));
  return rooms.every((room) => typeof room === 'string' && ROOM.test(room));
}

/** Whether a serverSideEmit packet is an event name followed by numbers only (`committed`, seq). */
function packetIsNumbers(data: unknown): boolean {
  if (!isRecord(data) || !Array.isArray(data.packet)) return false;
  const [event, ...args] = data.packet as unknown[];
  return typeof event === 'string' && args.every((arg) => typeof arg === 'number');
}

/**
 * Throws ClusterSignalRefusedError unless a statement the adapter is about to run on our pool is
 * allowed: reads and the cleanup of its attachments table pass; a NOTIFY passes only for one of
 * the signals above with ids and numbers in it; an attachment (a payload over the NOTIFY size or
 * holding binary data) never does, since none of our signals is large or binary.
 */
export function assertSignalOnly(text: string, values: readonly unknown[] | undefined, attachmentsTable: string): void {
  if (text.trimStart().toUpperCase().startsWith(`INSERT INTO ${attachmentsTable.toUpperCase()}`)) {
    throw new ClusterSignalRefusedError('an adapter message needing an attachment is not a Waymark signal');
  }
  if (text !== NOTIFY) return;
  let message: unknown;
  try {
    message = JSON.parse(String(values?.[1]));
  } catch {
    throw new ClusterSignalRefusedError('an adapter message that is not JSON is not a Waymark signal');
  }
  const type = isRecord(message) ? message.type : undefined;
  if (!isRecord(message) || typeof type !== 'number' || !SIGNALS.has(type)) {
    throw new ClusterSignalRefusedError(`adapter message type ${String(type)} is not a Waymark signal`);
  }
  if (type === MessageType.SERVER_SIDE_EMIT && !packetIsNumbers(message.data)) {
    throw new ClusterSignalRefusedError('a serverSideEmit carrying more than numbers is not a Waymark signal');
  }
  if (type === MessageType.DISCONNECT_SOCKETS && !roomsAreIds(message.data)) {
    throw new ClusterSignalRefusedError('a disconnect for a room other than user:<uuid> or session:<sha256> is not a Waymark signal');
  }
}
