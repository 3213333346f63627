import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_SOCKET_PAYLOAD_BYTES } from '../../shared/protocol';
import type { ClientToServerEvents } from '../../shared/events';
import { connectRaw, connectUser, disconnection, expectOk, reportCommand, requestSync, sendCommand, signIn, type RawSocket } from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
let cookie: string;
let raw: RawSocket;

const COMMAND = 'command' satisfies keyof ClientToServerEvents;
const SYNC = 'sync' satisfies keyof ClientToServerEvents;

beforeAll(async () => {
  server = await startTestServer();
  cookie = await signIn(server.url, server.accounts.coordinator.username, server.accounts.coordinator.password);
});
beforeEach(async () => {
  raw = await connectRaw(server.url, cookie);
});
afterEach(() => {
  raw.close();
});
afterAll(async () => {
  await server.destroy();
});

async function fieldStillWorks(): Promise<void> {
  const field = await connectUser(server.url, server.accounts.field);
  expectOk(await sendCommand(field, reportCommand()));
  field.close();
}

const GARBAGE: readonly [string, unknown][] = [
  ['null', null],
  ['undefined', undefined],
  ['a string', 'group.report'],
  ['a number', 42],
  ['an array', [1, 2, { type: 'group.report' }]],
  ['an empty object', {}],
  ['an unknown type', { type: 'group.delete', commandId: 'x' }],
  ['a report without a group', { type: 'group.report', commandId: '0190a0a0-0000-7000-8000-000000000000' }],
  ['deep nesting', JSON.parse('['.repeat(500) + ']'.repeat(500))],
  ['prototype keys', JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}')],
];

describe('a server fed garbage', () => {
  it.each(GARBAGE)('answers invalid to %s as a command and keeps serving', async (_name, payload) => {
    const ack: unknown = await raw.timeout(10_000).emitWithAck(COMMAND, payload);

    expect(ack).toMatchObject({ ok: false, code: 'invalid' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    await fieldStillWorks();
  });

  it.each(GARBAGE)('answers invalid to %s as a sync request', async (_name, payload) => {
    const ack: unknown = await raw.timeout(10_000).emitWithAck(SYNC, payload);

    expect(ack).toMatchObject({ ok: false, code: 'invalid' });
  });

  it('drops a command without an ack, and a command that is only a callback, without applying them', async () => {
    const before = await server.countRows('groups');
    raw.emit(COMMAND, reportCommand());
    // A lone function becomes the ack, leaving no payload.
    const lone: unknown = await raw.timeout(10_000).emitWithAck(COMMAND);
    raw.emit(SYNC, { sinceSeq: null });

    expect(lone).toMatchObject({ ok: false, code: 'invalid' });
    // The socket is still served, in order: this ack comes after the events above were handled.
    expect(await raw.timeout(10_000).emitWithAck(SYNC, { sinceSeq: 0 })).toMatchObject({ ok: true });
    expect(await server.countRows('groups')).toBe(before);
  });

  it('answers invalid to extra arguments, ignores unknown events, and applies nothing', async () => {
    const before = await server.countRows('groups');
    raw.emit('no-such-event', { a: 1 });
    const ack: unknown = await raw.timeout(10_000).emitWithAck(COMMAND, reportCommand(), 'extra', 3);

    expect(ack).toMatchObject({ ok: false, code: 'invalid' });
    expect(await server.countRows('groups')).toBe(before);
    await fieldStillWorks();
  });

  it('closes a connection that sends more than the payload limit, and serves others', async () => {
    const closed = disconnection(raw);
    raw.emit(COMMAND, { type: 'group.report', padding: 'x'.repeat(MAX_SOCKET_PAYLOAD_BYTES + 1024) }, () => {});

    expect(await closed).toMatch(/transport (close|error)/);
    await fieldStillWorks();
  });

  it('answers a large but allowed payload with invalid', async () => {
    const ack: unknown = await raw.timeout(10_000).emitWithAck(COMMAND, { type: 'group.report', padding: 'x'.repeat(MAX_SOCKET_PAYLOAD_BYTES - 1024) });

    expect(ack).toMatchObject({ ok: false, code: 'invalid' });
  });

  it('still syncs after all of it', async () => {
    const coordinator = await connectUser(server.url, server.accounts.coordinator);
    expect(await requestSync(coordinator, null)).toMatchObject({ ok: true, mode: 'snapshot' });
    coordinator.close();
  });
});
