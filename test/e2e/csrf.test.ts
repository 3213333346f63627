import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { EXPORT_ROUTES } from '../../shared/exports/export.schema';
import { signIn } from '../support/clients';
import type { Credentials, TestServer } from '../support/server';
import { browserSuite } from './suite';

// A page on another port of the same host is the same site: SameSite=Strict still sends it the
// session cookie. It must not be able to change anything, by form or by fetch.

/** What the attacker's pages do on load: auto-submit a form, or fetch with the victim's cookie. */
function attackerPage(kind: 'text-form' | 'urlencoded-form' | 'fetch', target: string): string {
  const escaped = target.replace(/"/g, '&quot;');
  if (kind === 'fetch') {
    return `<!doctype html><title>fetch</title><script>
      fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{}' })
        .then(() => { document.title = 'sent'; }, () => { document.title = 'blocked'; });
    </script>`;
  }
  const enctype = kind === 'text-form' ? 'text/plain' : 'application/x-www-form-urlencoded';
  return `<!doctype html><title>form</title><form method="post" enctype="${enctype}" action="${escaped}"><input name='{"a":"' value='1"}'></form>
    <script>document.forms[0].submit();</script>`;
}

/** A tiny second HTTP server on 127.0.0.1 (another port: the same site) serving the attacker's pages. */
async function startAttacker(target: () => string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const kind = url.searchParams.get('kind');
    if (kind !== 'text-form' && kind !== 'urlencoded-form' && kind !== 'fetch') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(attackerPage(kind, `${target()}${url.searchParams.get('path') ?? ''}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function userRow(server: TestServer, username: string): { id: string; disabled: boolean } {
  const db = openDatabase(server.databaseFile, { readonly: true });
  try {
    const row = db.prepare<[string], { id: string; disabled: number }>('SELECT id, disabled FROM users WHERE username = ?').get(username);
    if (!row) throw new Error(`no user ${username}`);
    return { id: row.id, disabled: row.disabled === 1 };
  } finally {
    db.close();
  }
}

describe('cross-site request forgery from another port of the same host', () => {
  const suite = browserSuite({ staticDir: 'dist/client' });
  let attacker: { url: string; close: () => Promise<void> };
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    attacker = await startAttacker(() => suite.server.url);
  });
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close()));
    await attacker.close();
  });

  /**
   * A plain browser context (not a guarded page: the attacker's requests are meant to fail) holding
   * the victim's session cookie, exactly as the server set it at sign-in.
   */
  async function victim(account: Credentials): Promise<BrowserContext> {
    const cookie = await signIn(suite.server.url, account.username, account.password);
    const context = await suite.browser.newContext();
    contexts.push(context);
    const value = cookie.slice(cookie.indexOf('=') + 1);
    await context.addCookies([{ name: 'waymark_session', value, url: suite.server.url, httpOnly: true, sameSite: 'Strict' }]);
    // The cookie really is sent to the app from this context: the attack has what it needs.
    const page = await context.newPage();
    const who = await page.goto(`${suite.server.url}${API_ROUTES.session}`);
    expect(who?.status()).toBe(200);
    await page.close();
    return context;
  }

  /**
   * Opens the attacker's page in the victim's browser: the status the target answered, or `blocked`
   * when the browser withheld the answer from the page (Cross-Origin-Resource-Policy on fetch).
   */
  async function attack(context: BrowserContext, kind: 'text-form' | 'urlencoded-form' | 'fetch', path: string): Promise<number | 'blocked'> {
    const page = await context.newPage();
    const target = `${suite.server.url}${path}`;
    const isTarget = (r: Request) => r.url() === target && r.method() === 'POST';
    const outcome = Promise.race([
      page.waitForResponse((r) => isTarget(r.request())).then((r) => r.status()),
      page.waitForEvent('requestfailed', isTarget).then(() => 'blocked' as const),
    ]);
    await page.goto(`${attacker.url}/?kind=${kind}&path=${encodeURIComponent(path)}`);
    const result = await outcome;
    await page.close();
    return result;
  }

  it('cannot disable a user through a signed-in admin, by text/plain form, urlencoded form or fetch', async () => {
    const admin = await victim(suite.server.accounts.admin);
    const target = userRow(suite.server, suite.server.accounts.field.username);
    expect(target.disabled).toBe(false);
    const path = `${API_ROUTES.admin}/users/${target.id}/disable`;

    expect(await attack(admin, 'text-form', path)).toBe(403);
    expect(await attack(admin, 'urlencoded-form', path)).toBe(403);
    // The request leaves the browser with the cookie; the server refuses it, the browser hides the answer.
    expect([403, 'blocked']).toContain(await attack(admin, 'fetch', path));
    expect(userRow(suite.server, suite.server.accounts.field.username).disabled).toBe(false);
  });

  it('cannot issue a situation report through a signed-in coordinator', async () => {
    const coordinator = await victim(suite.server.accounts.coordinator);
    expect(await attack(coordinator, 'text-form', EXPORT_ROUTES.sitrep)).toBe(403);
    expect(await attack(coordinator, 'urlencoded-form', EXPORT_ROUTES.sitrep)).toBe(403);
    expect([403, 'blocked']).toContain(await attack(coordinator, 'fetch', EXPORT_ROUTES.sitrep));
    expect(await suite.server.countRows('sitreps')).toBe(0);
  });

  it('still lets the app itself act: its own page signs in and out', async () => {
    const guarded = await suite.open('coordinator');
    const p = guarded.page;
    const { username, password } = suite.server.accounts.coordinator;
    await p.goto(suite.server.url);
    // The app's own fetch from its page: a state-changing request with the browser's Origin.
    const status = await p.evaluate(
      async ([route, body]) => (await fetch(route, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status,
      [API_ROUTES.session, JSON.stringify({ username, password })] as const,
    );
    expect(status).toBe(200);
    const out = await p.evaluate(async (route) => (await fetch(route, { method: 'DELETE' })).status, API_ROUTES.session);
    expect(out).toBe(204);
    suite.assertClean();
  });
});
