import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database';
import { sessionIdOf } from '../../server/services/auth.service';
import { connectAs, connectUser, disconnection, expectOk, handshakeRefusal, reportCommand, sendCommand, signIn, waitForEvent } from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

// A socket lives no longer than its session: it is closed when the session reaches its absolute
// lifetime or its idle limit, on the real clock, within a second.

const SHORT_MS = 1500;
const LONG_MS = 3_600_000;

let absolute: TestServer;
let idle: TestServer;

beforeAll(async () => {
  [absolute, idle] = await Promise.all([
    startTestServer({ sessionPolicy: { absoluteMs: SHORT_MS, idleMs: LONG_MS } }),
    startTestServer({ sessionPolicy: { absoluteMs: LONG_MS, idleMs: SHORT_MS } }),
  ]);
});
afterAll(async () => {
  await Promise.all([absolute.destroy(), idle.destroy()]);
});

/** The stored session of a cookie (`waymark_session=<token>`). */
function storedSession(server: TestServer, cookie: string): { createdAtMs: number; lastSeenAtMs: number } {
  const token = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  const db = openDatabase(server.databaseFile, { readonly: true });
  try {
    const row = db
      .prepare<[string], { created_at_ms: number; last_seen_at_ms: number }>('SELECT created_at_ms, last_seen_at_ms FROM sessions WHERE id = ?')
      .get(sessionIdOf(token));
    if (!row) throw new Error('no stored session');
    return { createdAtMs: row.created_at_ms, lastSeenAtMs: row.last_seen_at_ms };
  } finally {
    db.close();
  }
}

describe('sockets and session expiry', () => {
  it('closes a socket within a second of its session reaching the absolute lifetime', async () => {
    const cookie = await signIn(absolute.url, absolute.accounts.coordinator.username, absolute.accounts.coordinator.password);
    const socket = await connectAs(absolute.url, cookie);
    const expiresAt = storedSession(absolute, cookie).createdAtMs + SHORT_MS;

    const reason = await disconnection(socket);
    const closedAt = Date.now();

    expect(reason).toBe('io server disconnect');
    expect(closedAt).toBeGreaterThanOrEqual(expiresAt);
    expect(closedAt - expiresAt).toBeLessThan(1000);
    expect(await handshakeRefusal(absolute.url, cookie)).toBe('unauthorized');
  });

  it('closes a listening socket within a second of its session going idle: receiving is not activity', async () => {
    const cookie = await signIn(idle.url, idle.accounts.coordinator.username, idle.accounts.coordinator.password);
    const socket = await connectAs(idle.url, cookie);
    const idleAt = storedSession(idle, cookie).lastSeenAtMs + SHORT_MS;
    const closed = disconnection(socket);
    // A field team's report reaches the coordinator's open socket meanwhile.
    const received = waitForEvent(socket, 'change');
    const field = await connectUser(idle.url, idle.accounts.field);
    expectOk(await sendCommand(field, reportCommand()));
    await received;

    const reason = await closed;
    const closedAt = Date.now();
    field.close();

    expect(reason).toBe('io server disconnect');
    expect(closedAt).toBeGreaterThanOrEqual(idleAt);
    expect(closedAt - idleAt).toBeLessThan(1000);
    expect(await handshakeRefusal(idle.url, cookie)).toBe('unauthorized');
  });
});
