import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignInLimiter } from '../../server/security/sign-in-limiter';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { ownOrigin, signIn } from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

const minutes = (n: number) => n * 60_000;

describe(SignInLimiter.name, () => {
  let server: TestServer;
  let nowMs = Date.UTC(2026, 0, 1);

  beforeAll(async () => {
    server = await startTestServer({ now: () => nowMs });
  });
  afterAll(async () => {
    await server.destroy();
  });

  const attempt = (username: string, password: string, address?: string) =>
    fetch(`${server.url}${API_ROUTES.session}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ownOrigin(server.url), ...(address ? { 'x-forwarded-for': address } : {}) },
      body: JSON.stringify({ username, password }),
    });
  const failTimes = async (username: string, n: number) => {
    for (let i = 0; i < n; i++) expect((await attempt(username, `wrong-${i}`)).status).toBe(401);
  };

  it('refuses the 11th attempt within 15 minutes with rate_limited, even with the right password', async () => {
    const { username, password } = server.accounts.field;
    await failTimes(username, 10);

    const response = await attempt(username, password);

    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({ ok: false, code: 'rate_limited' });
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(Number(response.headers.get('retry-after'))).toBe(30 * 60);
  });

  it('lets the account in again once the 30-minute lock has passed', async () => {
    const { username, password } = server.accounts.field;
    nowMs += minutes(29);
    expect((await attempt(username, password)).status).toBe(429);
    nowMs += minutes(2);

    expect((await attempt(username, password)).status).toBe(200);
  });

  it('locks an unknown username exactly like a real one, so the lock does not reveal which exist', async () => {
    const real = server.accounts.coordinator.username;
    const unknown = 'nobody-at-all';
    await failTimes(real, 10);
    await failTimes(unknown, 10);

    const [a, b] = [await attempt(real, 'x-wrong'), await attempt(unknown, 'x-wrong')];

    expect([a.status, b.status]).toEqual([429, 429]);
    expect(await a.json()).toEqual(await b.json());
    expect(a.headers.get('retry-after')).toBe(b.headers.get('retry-after'));
  });

  it('forgets failures older than the 15-minute window', async () => {
    const { username, password } = server.accounts.responder;
    await failTimes(username, 9);
    nowMs += minutes(16);
    await failTimes(username, 9);

    expect((await attempt(username, password)).status).toBe(200);
  });

  it('clears an account failures after a successful sign-in', async () => {
    const { username, password } = server.accounts.embassy;
    await failTimes(username, 9);
    expect((await attempt(username, password)).status).toBe(200);
    await failTimes(username, 9);

    expect((await attempt(username, password)).status).toBe(200);
  });
});

describe('per-address sign-in limit', () => {
  it('locks an address that failed too often across many usernames', async () => {
    const server = await startTestServer({ signInLimit: { maxPerAddress: 5 } });
    try {
      const attempt = (username: string, password: string) =>
        fetch(`${server.url}${API_ROUTES.session}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...ownOrigin(server.url) },
          body: JSON.stringify({ username, password }),
        });
      for (let i = 0; i < 5; i++) expect((await attempt(`spray-${i}`, 'wrong-password')).status).toBe(401);

      const { username, password } = server.accounts.coordinator;
      const response = await attempt(username, password);

      expect(response.status).toBe(429);
      expect(await response.json()).toMatchObject({ ok: false, code: 'rate_limited' });
    } finally {
      await server.destroy();
    }
  });
});

describe('session on sign-in', () => {
  it('gives a new session id at every sign-in and ends the one the browser held before', async () => {
    const server = await startTestServer();
    try {
      const { username, password } = server.accounts.coordinator;
      const first = await signIn(server.url, username, password);
      const again = await fetch(`${server.url}${API_ROUTES.session}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: first, ...ownOrigin(server.url) },
        body: JSON.stringify({ username, password }),
      });
      const second =
        again.headers
          .getSetCookie()
          .map((c) => c.split(';')[0] ?? '')
          .find((c) => c.startsWith('waymark_session=')) ?? '';

      expect(second).not.toBe('');
      expect(second).not.toBe(first);
      expect(await (await fetch(`${server.url}${API_ROUTES.session}`, { headers: { cookie: first } })).json()).toEqual({ signedIn: false });
      expect((await fetch(`${server.url}${API_ROUTES.session}`, { headers: { cookie: second } })).status).toBe(200);
    } finally {
      await server.destroy();
    }
  });
});
