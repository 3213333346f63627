import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database';
import { ABSENT_MESSAGE, FOREIGN_MESSAGE } from '../../server/http/origin';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { EXPORT_ROUTES } from '../../shared/exports/export.schema';
import { connectAs, handshakeRefusal, ownOrigin, signIn } from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

// The HTTP edge: which pages may change anything (cross-site request forgery from the same site on
// another port), which proxy headers are believed, and what malformed requests get (never a 5xx).

let server: TestServer;
let proxied: TestServer;
let listed: TestServer;
let staticDir: string;
let adminCookie: string;
let coordinatorCookie: string;

beforeAll(async () => {
  // A stand-in client build, so the static routes and their SPA fallback are on.
  staticDir = await fs.mkdtemp(path.join(os.tmpdir(), 'waymark-static-'));
  await fs.mkdir(path.join(staticDir, 'assets'));
  await fs.writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Waymark</title>');
  await fs.writeFile(path.join(staticDir, 'assets', 'app-1234.js'), 'export {};');
  [server, proxied, listed] = await Promise.all([
    startTestServer({ staticDir }),
    startTestServer({ trustProxy: true }),
    startTestServer({ allowedOrigins: ['http://localhost:5173'] }),
  ]);
  adminCookie = await signIn(server.url, server.accounts.admin.username, server.accounts.admin.password);
  coordinatorCookie = await signIn(server.url, server.accounts.coordinator.username, server.accounts.coordinator.password);
});
afterAll(async () => {
  await Promise.all([server.destroy(), proxied.destroy(), listed.destroy()]);
  await fs.rm(staticDir, { recursive: true, force: true });
});

/** Whether a user is disabled, read from the database file itself. */
function disabled(target: TestServer, username: string): boolean {
  const db = openDatabase(target.databaseFile, { readonly: true });
  try {
    return db.prepare<[string], { disabled: number }>('SELECT disabled FROM users WHERE username = ?').get(username)?.disabled === 1;
  } finally {
    db.close();
  }
}

function userId(target: TestServer, username: string): string {
  const db = openDatabase(target.databaseFile, { readonly: true });
  try {
    const row = db.prepare<[string], { id: string }>('SELECT id FROM users WHERE username = ?').get(username);
    if (!row) throw new Error(`no user ${username}`);
    return row.id;
  } finally {
    db.close();
  }
}

interface Reply {
  status: number;
  body: unknown;
}

async function send(url: string, init: RequestInit): Promise<Reply> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: kept as text for the assertion's message.
  }
  return { status: response.status, body };
}

const refused = (message: string) => ({ status: 403, body: { ok: false, code: 'forbidden', message } });

describe('state-changing requests from other pages (cross-site request forgery)', () => {
  const disable = (target: TestServer, cookie: string, headers: Record<string, string>, body?: string) =>
    send(`${target.url}${API_ROUTES.admin}/users/${userId(target, target.accounts.field.username)}/disable`, {
      method: 'POST',
      headers: { cookie, ...headers },
      ...(body === undefined ? {} : { body }),
    });

  it('refuses a form or fetch from another port of the same host, and changes nothing', async () => {
    const attacker = `http://127.0.0.1:${server.port + 1}`;
    // What a browser sends for an auto-submitted text/plain form, an urlencoded one, and fetch().
    expect(await disable(server, adminCookie, { origin: attacker, 'content-type': 'text/plain' }, '{"x":"=1"}')).toEqual(refused(FOREIGN_MESSAGE));
    expect(await disable(server, adminCookie, { origin: attacker, 'content-type': 'application/x-www-form-urlencoded' }, 'a=1')).toEqual(
      refused(FOREIGN_MESSAGE),
    );
    expect(await disable(server, adminCookie, { origin: attacker, 'sec-fetch-site': 'same-site' })).toEqual(refused(FOREIGN_MESSAGE));
    // Sec-Fetch-Site is the browser's word: a matching Origin does not override it.
    expect(await disable(server, adminCookie, { ...ownOrigin(server.url), 'sec-fetch-site': 'same-site' })).toEqual(refused(FOREIGN_MESSAGE));
    expect(await disable(server, adminCookie, { origin: 'null', 'content-type': 'text/plain' }, 'x')).toEqual(refused(FOREIGN_MESSAGE));
    expect(disabled(server, server.accounts.field.username)).toBe(false);

    const sitrep = (headers: Record<string, string>) =>
      send(`${server.url}${EXPORT_ROUTES.sitrep}`, { method: 'POST', headers: { cookie: coordinatorCookie, ...headers } });
    expect(await sitrep({ origin: attacker, 'content-type': 'text/plain' })).toEqual(refused(FOREIGN_MESSAGE));
    expect(await server.countRows('sitreps')).toBe(0);
  });

  it('refuses a state-changing request that names no origin at all, sign-in included', async () => {
    expect(await disable(server, adminCookie, {})).toEqual(refused(ABSENT_MESSAGE));
    const { username, password } = server.accounts.field;
    const signInWith = (headers: Record<string, string>) =>
      send(`${server.url}${API_ROUTES.session}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ username, password }),
      });
    expect(await signInWith({})).toEqual(refused(ABSENT_MESSAGE));
    expect(await signInWith({ origin: `http://localhost:${server.port}` })).toEqual(refused(FOREIGN_MESSAGE));
    expect((await signInWith(ownOrigin(server.url))).status).toBe(200);
    expect(disabled(server, server.accounts.field.username)).toBe(false);
  });

  it("lets the app's own page act, by Origin or by Sec-Fetch-Site, and leaves reads alone", async () => {
    const target = server.accounts.responder.username;
    const post = (action: string, headers: Record<string, string>) =>
      send(`${server.url}${API_ROUTES.admin}/users/${userId(server, target)}/${action}`, { method: 'POST', headers: { cookie: adminCookie, ...headers } });
    expect((await post('disable', ownOrigin(server.url))).status).toBe(200);
    expect(disabled(server, target)).toBe(true);
    expect((await post('enable', { 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect(disabled(server, target)).toBe(false);
    // A GET never needs an Origin (browsers do not send one on a same-origin GET).
    expect((await send(`${server.url}${API_ROUTES.session}`, { headers: { cookie: adminCookie } })).status).toBe(200);
  });

  it('lets in an origin the deployment listed, and only that one', async () => {
    const { username, password } = listed.accounts.field;
    const signInFrom = (origin: string) =>
      send(`${listed.url}${API_ROUTES.session}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify({ username, password }),
      });
    expect((await signInFrom('http://localhost:5173')).status).toBe(200);
    expect(await signInFrom('http://localhost:5174')).toEqual(refused(FOREIGN_MESSAGE));
  });
});

describe('forwarded headers', () => {
  const PUBLIC = 'https://waymark.example.org';
  const FORWARDED = { 'x-forwarded-host': 'waymark.example.org', 'x-forwarded-proto': 'https' };

  it('are ignored without WAYMARK_TRUST_PROXY: an origin matching only the forwarded host is refused', async () => {
    const cookie = await signIn(server.url, server.accounts.field.username, server.accounts.field.password);
    expect(await handshakeRefusal(server.url, cookie, { origin: PUBLIC, headers: FORWARDED })).toBe('forbidden_origin');
    expect(await handshakeRefusal(server.url, cookie, { origin: PUBLIC, headers: { forwarded: 'host=waymark.example.org;proto=https' } })).toBe(
      'forbidden_origin',
    );
    const out = await send(`${server.url}${API_ROUTES.session}`, { method: 'DELETE', headers: { cookie, origin: PUBLIC, ...FORWARDED } });
    expect(out).toEqual(refused(FOREIGN_MESSAGE));
  });

  it('are honoured with it, for the socket and for REST alike', async () => {
    const cookie = await signIn(proxied.url, proxied.accounts.field.username, proxied.accounts.field.password);
    const socket = await connectAs(proxied.url, cookie, { origin: PUBLIC, headers: FORWARDED });
    socket.close();
    // The forwarded scheme counts too: the plain-HTTP page of the same host is another origin.
    expect(await handshakeRefusal(proxied.url, cookie, { origin: 'http://waymark.example.org', headers: FORWARDED })).toBe('forbidden_origin');
    // Behind the proxy the Host it connects with is not the browser's origin.
    expect(await handshakeRefusal(proxied.url, cookie, { origin: proxied.url, headers: FORWARDED })).toBe('forbidden_origin');
    const out = await fetch(`${proxied.url}${API_ROUTES.session}`, { method: 'DELETE', headers: { cookie, origin: PUBLIC, ...FORWARDED } });
    expect(out.status).toBe(204);
  });
});

describe('malformed requests get a named 4xx, never a 5xx', () => {
  const BAD_PATHS = ['/api/groups/%E0%A4%A', '/api/%E0%A4%A', '/api/admin/users/%zz/disable', '/%E0%A4%A', '/assets/%E0%A4%A', '/map/%', '/%C0%AF'];

  it('answers 400 invalid for a bad percent-escape anywhere in the path, signed in or not', async () => {
    for (const cookie of [null, coordinatorCookie]) {
      for (const badPath of BAD_PATHS) {
        for (const method of ['GET', 'POST']) {
          const reply = await send(`${server.url}${badPath}`, { method, headers: { ...ownOrigin(server.url), ...(cookie ? { cookie } : {}) } });
          expect({ badPath, method, signedIn: cookie !== null, ...reply }).toMatchObject({ status: 400, body: { ok: false, code: 'invalid' } });
        }
      }
    }
  });

  const BODY_ROUTES = [API_ROUTES.session, `${API_ROUTES.admin}/users`, EXPORT_ROUTES.sitrep, '/api/imports/0190a8f4-0000-7000-8000-000000000000/preview'];
  const post = (route: string, cookie: string | null, headers: Record<string, string>, body: BodyInit) =>
    send(`${server.url}${route}`, { method: 'POST', headers: { ...ownOrigin(server.url), ...(cookie ? { cookie } : {}), ...headers }, body });

  it('answers 415 for an unknown Content-Encoding and 400 for a body that does not inflate, on every route', async () => {
    for (const cookie of [null, adminCookie, coordinatorCookie]) {
      for (const route of BODY_ROUTES) {
        const where = { route, signedIn: cookie !== null };
        const unknown = await post(route, cookie, { 'content-type': 'application/json', 'content-encoding': 'x-unheard-of' }, '{}');
        expect({ ...where, ...unknown }).toMatchObject({ status: 415, body: { ok: false, code: 'invalid' } });
        const notGzip = await post(route, cookie, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, '{}');
        expect({ ...where, ...notGzip }).toMatchObject({ status: 400, body: { ok: false, code: 'invalid' } });
        const gzipped = await post(route, cookie, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, new Uint8Array(gzipSync('{')));
        expect({ ...where, ...gzipped }).toMatchObject({ status: 400, body: { ok: false, code: 'invalid' } });
      }
    }
    expect(await server.countRows('sitreps')).toBe(0);
  });

  it('answers 400 for malformed JSON, 415 for an unknown charset and 413 for an oversize body, on every route', async () => {
    for (const cookie of [null, adminCookie]) {
      for (const route of BODY_ROUTES) {
        const where = { route, signedIn: cookie !== null };
        expect({ ...where, ...(await post(route, cookie, { 'content-type': 'application/json' }, '{"username":')) }).toMatchObject({
          status: 400,
          body: { ok: false, code: 'invalid' },
        });
        expect({ ...where, ...(await post(route, cookie, { 'content-type': 'application/json; charset=x-klingon' }, '{}')) }).toMatchObject({
          status: 415,
          body: { ok: false, code: 'invalid' },
        });
        expect({
          ...where,
          ...(await post(route, cookie, { 'content-type': 'application/json' }, JSON.stringify({ pad: 'x'.repeat(300_000) }))),
        }).toMatchObject({ status: 413, body: { ok: false, code: 'too_large' } });
      }
    }
  });

  it('never answers 5xx, whatever the path, method, headers and body (bounded fuzz on loopback)', async () => {
    const segment = fc.oneof(
      fc.constantFrom('api', 'groups', 'admin', 'users', 'session', 'sitrep', 'imports', 'exports', 'assets', 'v1', 'config', '..', '.', ''),
      fc.stringMatching(/^(%[0-9A-Fa-f]{0,2}|[a-z0-9_.~-]){1,6}$/),
      fc.uuid(),
    );
    // Real routes with a random id, and random paths: a router's parameter decoding is only reached
    // on a route that has a parameter.
    const ROUTES = [
      ['api', 'groups', null],
      ['api', 'admin', 'users', null, 'disable'],
      ['api', 'imports', null, 'preview'],
      ['api', 'v1', 'groups', null],
      [null, null],
    ];
    const routed = fc.tuple(fc.constantFrom(...ROUTES), segment).map(([route, id]) => route.map((part) => part ?? id));
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
      segments: fc.oneof(routed, fc.array(segment, { minLength: 1, maxLength: 5 })),
      query: fc.option(fc.stringMatching(/^[a-z=&%0-9[\]]{0,12}$/), { nil: undefined }),
      signedIn: fc.boolean(),
      contentType: fc.option(
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          'text/csv',
          'application/json; charset=utf-16',
          'application/json; charset=nope',
          'multipart/form-data; boundary=x',
        ),
        { nil: undefined },
      ),
      contentEncoding: fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'compress', 'gzip, br', ''), { nil: undefined }),
      body: fc.option(fc.oneof(fc.json(), fc.string({ maxLength: 40 })), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const hasBody = r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD';
        const headers: Record<string, string> = { ...ownOrigin(server.url) };
        if (r.signedIn) headers.cookie = coordinatorCookie;
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        if (r.contentEncoding !== undefined) headers['content-encoding'] = r.contentEncoding;
        const url = `${server.url}/${r.segments.join('/')}${r.query === undefined ? '' : `?${r.query}`}`;
        const response = await fetch(url, { method: r.method, headers, ...(hasBody ? { body: r.body } : {}) });
        await response.arrayBuffer();
        expect(response.status, `${r.method} ${url} ${JSON.stringify(headers)}`).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  });
});
