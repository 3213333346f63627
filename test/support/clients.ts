import { gunzipSync } from 'node:zlib';
import { io, type Socket } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import type { ClientToServerEvents, CommandAck, ServerToClientEvents, SyncAck } from '../../shared/events';
import { decodeChanges, decodeViews, overlayChanges, type PackedView } from '../../shared/packed-views';
import { bytesToPacked } from '../../shared/packed-bytes';
import { PROTOCOL_VERSION } from '../../shared/protocol';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import type { Command } from '../../shared/schemas/command.schema';
import type { FixtureAccount, TestServer } from './server';
import { GroupInput, type Group, type GroupInputDraft, type GroupPatch, type GroupStatus } from '../../shared/schemas/group.schema';

/** A typed client socket, as the real client holds it. */
export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
/** An untyped socket, for sending what a well-behaved client never would. */
export type RawSocket = Socket;

const SESSION_COOKIE = 'waymark_session';
/** Long enough for a slow CI machine, short enough that a lost ack fails the test with a clear message. */
const ACK_TIMEOUT_MS = 10_000;

/**
 * The Origin header a browser sends with any request but GET and HEAD from the app's own page at
 * `url`: the server refuses a state-changing request without it (server/http/origin.ts).
 */
export function ownOrigin(url: string): { origin: string } {
  return { origin: new URL(url).origin };
}

/** Signs in over REST and returns the Cookie header value to send (`waymark_session=...`). */
export async function signIn(url: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${url}${API_ROUTES.session}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...ownOrigin(url) },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 200) throw new Error(`sign-in of ${username} failed with HTTP ${response.status}`);
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (!cookie) throw new Error('sign-in answered 200 without a session cookie');
  return cookie;
}

export interface ConnectOptions {
  /** The protocol version to claim; the real one by default. */
  protocol?: unknown;
  /** An Origin header, as a browser would send. */
  origin?: string;
  /** Let socket.io-client reconnect by itself (off by default so tests decide when). */
  reconnection?: boolean;
  /** Ask for big live batches packed (`changesPacked`), as the app does. */
  packedLive?: boolean;
  /** More handshake headers (e.g. what a proxy would add). */
  headers?: Record<string, string>;
}

function socketOptions(cookie: string | null, options: ConnectOptions) {
  const headers: Record<string, string> = { ...options.headers };
  if (cookie) headers['cookie'] = cookie;
  if (options.origin) headers['origin'] = options.origin;
  return {
    transports: ['websocket'],
    extraHeaders: headers,
    auth: { protocol: options.protocol === undefined ? PROTOCOL_VERSION : options.protocol, ...(options.packedLive ? { packedLive: true } : {}) },
    reconnection: options.reconnection ?? false,
    forceNew: true,
  };
}

function connected<S extends Socket>(socket: S): Promise<S> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Connects a typed socket with a session cookie; resolves once connected, rejects with the refusal reason. */
export function connectAs(url: string, cookie: string | null, options: ConnectOptions = {}): Promise<ClientSocket> {
  const socket: ClientSocket = io(url, socketOptions(cookie, options));
  return connected(socket);
}

/** Connects an untyped socket (for garbage payloads). */
export function connectRaw(url: string, cookie: string | null, options: ConnectOptions = {}): Promise<RawSocket> {
  const socket: RawSocket = io(url, socketOptions(cookie, options));
  return connected(socket);
}

/** Signs in and connects in one step. */
export async function connectUser(url: string, credentials: { username: string; password: string }): Promise<ClientSocket> {
  return connectAs(url, await signIn(url, credentials.username, credentials.password));
}

/** Signs a fixture account in and connects it; fails if the server has no such fixture account. */
export async function connectFixture(server: Pick<TestServer, 'url' | 'fixtureAccounts'>, account: FixtureAccount): Promise<ClientSocket> {
  const credentials = server.fixtureAccounts[account];
  if (!credentials) throw new Error(`no fixture account ${account}`);
  return connectUser(server.url, credentials);
}

/** The reason a handshake is refused (the `connect_error` message); fails if it is accepted. */
export async function handshakeRefusal(url: string, cookie: string | null, options: ConnectOptions = {}): Promise<string> {
  try {
    const socket = await connectAs(url, cookie, options);
    socket.close();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('the handshake was accepted');
}

type EventArg<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>[0];

/**
 * Resolves with the first `event` that satisfies `predicate`. Register it BEFORE causing the event.
 * Rejects if the socket disconnects first, so a test fails at once instead of timing out.
 */
export function waitForEvent<E extends keyof ServerToClientEvents>(
  socket: ClientSocket,
  event: E,
  predicate: (arg: EventArg<E>) => boolean = () => true,
): Promise<EventArg<E>> {
  return new Promise((resolve, reject) => {
    const listener = (arg: EventArg<E>) => {
      if (!predicate(arg)) return;
      cleanup();
      resolve(arg);
    };
    const onDisconnect = (reason: string) => {
      cleanup();
      reject(new Error(`disconnected (${reason}) while waiting for ${event}`));
    };
    // socket.io's listener type is a conditional type TypeScript cannot resolve for a generic event
    // name; `listener` takes exactly the map's argument for E, so the cast hides no mismatch.
    // Several changes of one group commit arrive as one `changes` message: each counts as a `change`.
    const batchListener = (changes: EventArg<'change'>[]) => {
      for (const change of changes) {
        if (!predicate(change as EventArg<E>)) continue;
        cleanup();
        resolve(change as EventArg<E>);
        return;
      }
    };
    const cleanup = () => {
      socket.off(event, listener as never);
      if (event === 'change') socket.off('changes', batchListener);
      socket.off('disconnect', onDisconnect);
    };
    socket.on(event, listener as never);
    if (event === 'change') socket.on('changes', batchListener);
    socket.on('disconnect', onDisconnect);
  });
}

/** Collects every change a socket receives from now on (alone or in a `changes` batch), in arrival order. */
export function collectChanges(socket: ClientSocket): EventArg<'change'>[] {
  const received: EventArg<'change'>[] = [];
  socket.on('change', (change) => received.push(change));
  socket.on('changes', (changes) => received.push(...changes));
  return received;
}

/** Resolves when the socket disconnects, with the reason. */
export function disconnection(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    if (socket.disconnected && !socket.active) resolve('already disconnected');
    else socket.once('disconnect', (reason) => resolve(reason));
  });
}

/** Sends a command and resolves with its ack. */
export function sendCommand(socket: ClientSocket, command: Command): Promise<CommandAck> {
  return socket.timeout(ACK_TIMEOUT_MS).emitWithAck('command', command);
}

/**
 * Asks for a sync and resolves with its ack (`packed`: as the app asks, in packed columns). Also a
 * barrier: every change sent to this socket before it has arrived.
 */
export function requestSync(socket: ClientSocket, sinceSeq: number | null, packed = false): Promise<SyncAck> {
  return socket.timeout(ACK_TIMEOUT_MS).emitWithAck('sync', packed ? { sinceSeq, packed } : { sinceSeq });
}

/** The bytes of a packed snapshot, catch-up or live batch, gunzipped (shared/packed-bytes.ts). */
function gunzipped(bytes: Uint8Array | ArrayBuffer): Uint8Array {
  return gunzipSync(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes);
}

/**
 * The text of packed bytes: every string they carry (names, ids in hex, verbatim values) is in
 * their JSON part, so a test can look for one in it; the number columns read as noise.
 */
export function packedText(bytes: Uint8Array | ArrayBuffer): string {
  return Buffer.from(gunzipped(bytes)).toString('utf8');
}

/** The changes of a packed catch-up or live batch (`changesPacked`, with its `own` overlay), decoded as the app does. */
export function unpackChanges(bytes: Uint8Array | ArrayBuffer, own: readonly ChangeEvent[] = []): ChangeEvent[] {
  return overlayChanges(decodeChanges(bytesToPacked(gunzipped(bytes))), own);
}

/** A packed snapshot's reply: its text (what travels, see packedText) and its views, decoded as the app does. */
export function unpackSnapshot(ack: SyncAck): { seq: number; head: number; text: string; views: PackedView[] } {
  if (!ack.ok || ack.mode !== 'packed') throw new Error(`expected a packed snapshot, got ${JSON.stringify(ack).slice(0, 200)}`);
  return { seq: ack.seq, head: ack.head, text: packedText(ack.views), views: decodeViews(bytesToPacked(gunzipped(ack.views))) };
}

/** A valid group as a field team reports it (UUIDv7 id, now, 12 people in Tripoli), with overrides. */
export function makeGroupInput(overrides: Partial<GroupInputDraft> = {}): GroupInput {
  return GroupInput.parse({
    id: uuidv7(),
    location: { lat: 32.89, lon: 13.19, accuracyM: 15, placeName: 'Test place', siteType: 'urban_dispersed' },
    seenAt: new Date().toISOString(),
    headcount: { total: 12 },
    nationalities: [{ code: 'NGA', count: 7 }],
    needs: [{ id: uuidv7(), type: 'water', severity: 4, people: 12 }],
    ...overrides,
  });
}

/** A report command for a group (a fresh one by default). */
export function reportCommand(group: GroupInput = makeGroupInput(), commandId: string = uuidv7()): Command {
  return { type: 'group.report', commandId, group };
}

/** An edit command. */
export function updateCommand(groupId: string, baseVersion: number, patch: GroupPatch, commandId: string = uuidv7()): Command {
  return { type: 'group.update', commandId, groupId, baseVersion, patch };
}

/** A status change command. */
export function statusCommand(groupId: string, baseVersion: number, status: GroupStatus, commandId: string = uuidv7()): Command {
  return { type: 'group.setStatus', commandId, groupId, baseVersion, status };
}

/** Narrows an ack to success, failing with the server's answer otherwise. */
export function expectOk(ack: CommandAck): { ok: true; seq: number; group: Group } {
  const ok = expectOkView(ack);
  if (ok.group?.view !== 'full') throw new Error(`expected the full group in the ack, got ${ok.group?.view ?? 'none'}`);
  return { ok: true, seq: ok.seq, group: ok.group.group };
}

/** Narrows an ack to a success, its group as projected for the sender (any view, or none). */
export function expectOkView(ack: CommandAck): Extract<CommandAck, { ok: true }> {
  if (!ack.ok) throw new Error(`expected ok, got ${ack.code}: ${ack.message}`);
  return ack;
}

/** Narrows a sync ack to a snapshot. */
export function expectSnapshot(ack: SyncAck): Extract<SyncAck, { mode: 'snapshot' }> {
  if (!ack.ok || ack.mode !== 'snapshot') throw new Error(`expected a snapshot, got ${JSON.stringify(ack).slice(0, 200)}`);
  return ack;
}

/** Narrows a sync ack to a catch-up. */
export function expectChanges(ack: SyncAck): Extract<SyncAck, { mode: 'changes' }> {
  if (!ack.ok || ack.mode !== 'changes') throw new Error(`expected changes, got ${JSON.stringify(ack).slice(0, 200)}`);
  return ack;
}
