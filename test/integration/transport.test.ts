import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SOCKET_PAYLOAD_BYTES } from '../../shared/protocol';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { ownOrigin, connectUser, connectRaw, disconnection, requestSync, signIn, type ClientSocket } from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
let nowMs = Date.UTC(2026, 0, 1);

beforeAll(async () => {
  server = await startTestServer({ now: () => nowMs, socketRate: { perSecond: 2, burst: 4 } });
});
afterAll(async () => {
  await server.destroy();
});

describe('security headers', () => {
  it('sends a Content-Security-Policy without inline script, and the other protective headers', async () => {
    const response = await fetch(`${server.url}${API_ROUTES.config}`);
    const csp = response.headers.get('content-security-policy') ?? '';
    const directives = new Map(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values]),
    );

    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('worker-src')).toEqual(["'self'", 'blob:']);
    expect(csp).not.toMatch(/unsafe-eval/);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('style-src-attr')).toEqual(["'none'"]);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});

describe('per-connection rate limit', () => {
  let socket: ClientSocket;
  beforeAll(async () => {
    socket = await connectUser(server.url, server.accounts.coordinator);
  });
  afterAll(() => {
    socket.close();
  });

  it('answers rate_limited past the burst, and lets events through again as tokens refill', async () => {
    const acks = [];
    for (let i = 0; i < 5; i++) acks.push(await requestSync(socket, null));

    expect(acks.slice(0, 4).every((a) => a.ok)).toBe(true);
    expect(acks[4]).toMatchObject({ ok: false, code: 'rate_limited' });
    nowMs += 1000; // two tokens at 2 per second
    expect((await requestSync(socket, null)).ok).toBe(true);
    expect((await requestSync(socket, null)).ok).toBe(true);
    expect(await requestSync(socket, null)).toMatchObject({ ok: false, code: 'rate_limited' });
    nowMs += 10_000;
  });

  it('gives each connection its own budget', async () => {
    const other = await connectUser(server.url, server.accounts.field);
    try {
      for (let i = 0; i < 4; i++) await requestSync(socket, null);
      expect(await requestSync(socket, null)).toMatchObject({ ok: false, code: 'rate_limited' });

      expect((await requestSync(other, null)).ok).toBe(true);
    } finally {
      other.close();
      nowMs += 10_000;
    }
  });
});

describe('payload size limits', () => {
  it('closes a socket that sends a message over the size limit', async () => {
    const cookie = await signIn(server.url, server.accounts.field.username, server.accounts.field.password);
    const raw = await connectRaw(server.url, cookie);
    const closed = disconnection(raw);

    raw.emit('command', { padding: 'x'.repeat(MAX_SOCKET_PAYLOAD_BYTES + 1024) }, () => undefined);

    expect(await closed).toMatch(/transport (close|error)/);
  });

  it('answers 413 for a REST body over the limit', async () => {
    const response = await fetch(`${server.url}${API_ROUTES.admin}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ownOrigin(server.url) },
      body: JSON.stringify({ padding: 'x'.repeat(100 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ ok: false, code: 'too_large' });
  });
});
