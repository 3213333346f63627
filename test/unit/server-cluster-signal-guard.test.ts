import { MessageType } from 'socket.io-adapter';
import { describe, expect, it } from 'vitest';
import { assertSignalOnly, ClusterSignalRefusedError } from '../../server/socket/cluster-signal-guard';

const TABLE = 'socket_io_attachments';
const NOTIFY = 'SELECT pg_notify($1, $2)';
const USER_ROOM = 'user:0193a5b2-7c1d-7e3f-8a9b-0c1d2e3f4a5b';
const SESSION_ROOM = `session:${'ab'.repeat(32)}`;

/** The NOTIFY the adapter would run for `message` (node_modules/@socket.io/postgres-adapter/dist/util.js). */
const notify = (message: object) => [NOTIFY, ['socket.io#/', JSON.stringify({ uid: 'a1b2', nsp: '/', ...message })]] as const;
const disconnect = (rooms: string[], except: string[] = []) =>
  notify({ type: MessageType.DISCONNECT_SOCKETS, data: { opts: { rooms, except, flags: {} }, close: true } });

describe(assertSignalOnly.name, () => {
  it.each([
    ['a heartbeat', notify({ type: MessageType.HEARTBEAT })],
    ['a first heartbeat', notify({ type: MessageType.INITIAL_HEARTBEAT })],
    ['a node leaving', notify({ type: MessageType.ADAPTER_CLOSE })],
    ['the committed doorbell', notify({ type: MessageType.SERVER_SIDE_EMIT, data: { packet: ['committed', 42] } })],
    ["closing a user's sockets", disconnect([USER_ROOM])],
    ["closing a session's sockets", disconnect([SESSION_ROOM])],
    ['the cleanup of the attachments table', [`DELETE FROM ${TABLE} WHERE created_at < now() - interval '30000 milliseconds'`, undefined]],
  ] as const)('lets %s through', (_name, [text, values]) => {
    expect(() => assertSignalOnly(text, values, TABLE)).not.toThrow();
  });

  it.each([
    ['a broadcast (it carries the records)', notify({ type: MessageType.BROADCAST, data: { packet: { data: ['change', { note: 'x' }] }, opts: {} } })],
    ['a fetchSockets request', notify({ type: MessageType.FETCH_SOCKETS, data: { opts: { rooms: [USER_ROOM] }, requestId: '1' } })],
    ['a fetchSockets answer (it carries handshakes and cookies)', notify({ type: MessageType.FETCH_SOCKETS_RESPONSE, data: { sockets: [{ handshake: {} }] } })],
    ['a join across nodes', notify({ type: MessageType.SOCKETS_JOIN, data: { opts: { rooms: [USER_ROOM] }, rooms: ['x'] } })],
    ['a serverSideEmit with an object', notify({ type: MessageType.SERVER_SIDE_EMIT, data: { packet: ['committed', { name: 'Ana' }] } })],
    ['a serverSideEmit with a string argument', notify({ type: MessageType.SERVER_SIDE_EMIT, data: { packet: ['committed', 'Ana'] } })],
    ['a disconnect for a room named by a person', disconnect(['crisis:flood in Ana street'])],
    ['a disconnect excepting a room that is not an id', disconnect([USER_ROOM], ['Ana'])],
    ['a message with no type', notify({ data: {} })],
    ['a payload that is not JSON', [NOTIFY, ['socket.io#/', 'not json']]],
    ['an attachment, whatever it holds', [`INSERT INTO ${TABLE} (payload) VALUES ($1) RETURNING id;`, [Buffer.from('x')]]],
  ] as const)('refuses %s', (_name, [text, values]) => {
    expect(() => assertSignalOnly(text, values, TABLE)).toThrow(ClusterSignalRefusedError);
  });
});
