import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../../server/services/auth.service';
import { PROTOCOL_VERSION } from '../../shared/protocol';
import { API_ROUTES, SessionInfo, SessionProbe } from '../../shared/schemas/api.schema';
import { ownOrigin, connectAs, disconnection, handshakeRefusal, signIn } from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.destroy();
});

const postSession = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${server.url}${API_ROUTES.session}`, { method: 'POST', headers: { ...ownOrigin(server.url), ...headers }, body });

describe(AuthService.name, () => {
  describe('sign-in', () => {
    it('answers the session and sets an httpOnly, SameSite=Strict cookie', async () => {
      const { username, password } = server.accounts.coordinator;

      const response = await postSession(JSON.stringify({ username, password }));

      expect(response.status).toBe(200);
      const info = SessionInfo.parse(await response.json());
      expect(info.user).toMatchObject({ username, role: 'coordinator', crisisId: server.crisisId });
      expect(info.crisis?.id).toBe(server.crisisId);
      expect(JSON.stringify(info)).not.toMatch(/scrypt|password/i);
      const cookie = response.headers.getSetCookie().find((c) => c.startsWith('waymark_session='));
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Strict/);
      expect(cookie).toMatch(/; Path=\//);
      expect(cookie).not.toMatch(/; Secure/); // plain HTTP here
      expect(response.headers.get('cache-control')).toBe('no-store');
    });

    it('gives the same 401 body for an unknown user and a wrong password', async () => {
      const wrong = await postSession(JSON.stringify({ username: server.accounts.field.username, password: 'not-the-password' }));
      const unknown = await postSession(JSON.stringify({ username: 'nobody-here', password: 'not-the-password' }));

      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      const [a, b] = [await wrong.json(), await unknown.json()];
      expect(a).toEqual(b);
      expect(a).toMatchObject({ ok: false, code: 'unauthorized' });
      expect(wrong.headers.getSetCookie()).toEqual([]);
    });

    it('records failed and successful sign-ins in the audit log', async () => {
      const before = await server.countRows('audit');
      await postSession(JSON.stringify({ username: server.accounts.field.username, password: 'wrong-password' }));
      await signIn(server.url, server.accounts.field.username, server.accounts.field.password);
      expect(await server.countRows('audit')).toBe(before + 2);
    });

    it('answers 400 invalid for bad JSON and for a body that is not a sign-in', async () => {
      const badJson = await postSession('{"username":');
      const wrongShape = await postSession(JSON.stringify({ user: 'x' }));

      expect(badJson.status).toBe(400);
      expect(await badJson.json()).toMatchObject({ ok: false, code: 'invalid' });
      expect(wrongShape.status).toBe(400);
      expect(await wrongShape.json()).toMatchObject({ ok: false, code: 'invalid', issues: expect.any(Array) });
    });

    it('answers 413 too_large for a body over the limit, without a stack', async () => {
      const response = await postSession(JSON.stringify({ username: 'x', password: 'y'.repeat(100 * 1024) }));

      expect(response.status).toBe(413);
      const body = await response.text();
      expect(JSON.parse(body)).toMatchObject({ ok: false, code: 'too_large' });
      expect(body).not.toMatch(/at .*\.(ts|js):\d+/);
    });
  });

  describe('session', () => {
    it('tells who is signed in, and that nobody is without a cookie (200, not an error the browser logs)', async () => {
      const cookie = await signIn(server.url, server.accounts.embassy.username, server.accounts.embassy.password);

      const mine = await fetch(`${server.url}${API_ROUTES.session}`, { headers: { cookie } });
      const none = await fetch(`${server.url}${API_ROUTES.session}`);

      expect(mine.status).toBe(200);
      const info = SessionInfo.parse(await mine.json());
      expect(info.agency).toMatchObject({ type: 'consulate', servesState: 'NGA' });
      expect(none.status).toBe(200);
      expect(SessionProbe.parse(await none.json())).toEqual({ signedIn: false });
    });

    it('sign-out ends the session: cookie cleared, signed out on REST, live socket closed, new handshake refused', async () => {
      const cookie = await signIn(server.url, server.accounts.field.username, server.accounts.field.password);
      const socket = await connectAs(server.url, cookie);
      const closed = disconnection(socket);

      const out = await fetch(`${server.url}${API_ROUTES.session}`, { method: 'DELETE', headers: { cookie, ...ownOrigin(server.url) } });

      expect(out.status).toBe(204);
      expect(out.headers.getSetCookie().join()).toMatch(/waymark_session=;.*Expires=Thu, 01 Jan 1970/);
      expect(await closed).toBe('io server disconnect');
      expect(await (await fetch(`${server.url}${API_ROUTES.session}`, { headers: { cookie } })).json()).toEqual({ signedIn: false });
      expect(await handshakeRefusal(server.url, cookie)).toBe('unauthorized');
    });
  });

  describe('socket handshake', () => {
    it('refuses a connection without a session as unauthorized', async () => {
      expect(await handshakeRefusal(server.url, null)).toBe('unauthorized');
      expect(await handshakeRefusal(server.url, 'waymark_session=forged-token')).toBe('unauthorized');
    });

    it('refuses another protocol version as protocol_mismatch, even with a valid session', async () => {
      const cookie = await signIn(server.url, server.accounts.field.username, server.accounts.field.password);

      expect(await handshakeRefusal(server.url, cookie, { protocol: PROTOCOL_VERSION + 1 })).toBe('protocol_mismatch');
      expect(await handshakeRefusal(server.url, cookie, { protocol: String(PROTOCOL_VERSION) })).toBe('protocol_mismatch');
    });

    it('refuses a browser connection from another site as forbidden_origin, and accepts its own origin', async () => {
      const cookie = await signIn(server.url, server.accounts.field.username, server.accounts.field.password);

      expect(await handshakeRefusal(server.url, cookie, { origin: 'https://evil.example' })).toBe('forbidden_origin');
      const own = await connectAs(server.url, cookie, { origin: server.url });
      expect(own.connected).toBe(true);
      own.close();
    });
  });
});

describe('HTTP API', () => {
  it('answers health and the public client config', async () => {
    const health = await fetch(`${server.url}${API_ROUTES.health}`);
    const config = await fetch(`${server.url}${API_ROUTES.config}`);

    expect(await health.json()).toEqual({ ok: true });
    expect(await config.json()).toEqual({ protocolVersion: PROTOCOL_VERSION, basemapStyleUrl: null, basemapPmtilesUrl: null });
  });

  it('answers an unknown API path with a JSON not_found, not the app page', async () => {
    const response = await fetch(`${server.url}/api/does-not-exist`);

    expect(response.status).toBe(404);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toMatchObject({ ok: false, code: 'not_found' });
  });
});

describe('session expiry', () => {
  let clocked: TestServer;
  let nowMs = Date.UTC(2026, 0, 1);
  const minutes = (n: number) => n * 60_000;

  beforeAll(async () => {
    clocked = await startTestServer({ now: () => nowMs, sessionPolicy: { idleMs: minutes(30), absoluteMs: minutes(12 * 60) } });
  });
  afterAll(async () => {
    await clocked.destroy();
  });

  /** 'signed-in' or 'signed-out', as "who am I?" answers with this cookie. */
  const sessionStatus = async (cookie: string) => {
    const answer = SessionProbe.parse(await (await fetch(`${clocked.url}${API_ROUTES.session}`, { headers: { cookie } })).json());
    return 'signedIn' in answer ? 'signed-out' : 'signed-in';
  };

  it('ends a session idle for longer than the idle limit', async () => {
    const cookie = await signIn(clocked.url, clocked.accounts.field.username, clocked.accounts.field.password);
    nowMs += minutes(29);
    expect(await sessionStatus(cookie)).toBe('signed-in'); // activity: the idle clock restarts
    nowMs += minutes(29);
    expect(await sessionStatus(cookie)).toBe('signed-in');
    nowMs += minutes(31);

    expect(await sessionStatus(cookie)).toBe('signed-out');
    expect(await handshakeRefusal(clocked.url, cookie)).toBe('unauthorized');
  });

  it('ends an active session at the absolute limit', async () => {
    const cookie = await signIn(clocked.url, clocked.accounts.field.username, clocked.accounts.field.password);
    for (let elapsed = 0; elapsed < 12 * 60 - 20; elapsed += 20) {
      nowMs += minutes(20);
      expect(await sessionStatus(cookie)).toBe('signed-in');
    }
    nowMs += minutes(21);

    expect(await sessionStatus(cookie)).toBe('signed-out');
  });
});

describe('behind a TLS-terminating proxy', () => {
  it('marks the cookie Secure only when the trusted proxy says the request came over HTTPS', async () => {
    const proxied = await startTestServer({ trustProxy: true });
    try {
      const { username, password } = proxied.accounts.field;
      const signInWith = (headers: Record<string, string>) =>
        fetch(`${proxied.url}${API_ROUTES.session}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...ownOrigin(proxied.url), ...headers },
          body: JSON.stringify({ username, password }),
        });

      // The browser's page is the https one the proxy serves.
      const https = await signInWith({ 'x-forwarded-proto': 'https', origin: proxied.url.replace(/^http:/, 'https:') });
      const http = await signInWith({});

      expect(https.headers.getSetCookie().join()).toMatch(/; Secure/);
      expect(http.headers.getSetCookie().join()).not.toMatch(/; Secure/);
    } finally {
      await proxied.destroy();
    }
  });

  it('ignores X-Forwarded-Proto when no proxy is trusted', async () => {
    const { username, password } = server.accounts.field;
    const response = await fetch(`${server.url}${API_ROUTES.session}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https', ...ownOrigin(server.url) },
      body: JSON.stringify({ username, password }),
    });

    expect(response.headers.getSetCookie().join()).not.toMatch(/; Secure/);
  });
});
