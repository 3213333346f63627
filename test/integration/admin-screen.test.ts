import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminOverview, AuditPage } from '../../shared/schemas/admin.schema';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { ownOrigin, signIn } from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

// What the admin screen reads: agencies, each user's open sessions (and their revoking), and an
// audit log that names people rather than ids.
let server: TestServer;
let adminCookie: string;

const call = (path: string, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, { ...init, headers: { cookie: adminCookie, 'content-type': 'application/json', ...ownOrigin(server.url) } });
const overview = async () => AdminOverview.parse(await (await call(`${API_ROUTES.admin}/overview`)).json());

beforeAll(async () => {
  server = await startTestServer();
  adminCookie = await signIn(server.url, server.accounts.admin.username, server.accounts.admin.password);
});
afterAll(async () => {
  await server.destroy();
});

describe('admin screen', () => {
  it("lists agencies and each user's open sessions, and ending them takes the user off the list", async () => {
    const { username, password } = server.accounts.coordinator;
    await signIn(server.url, username, password);
    await signIn(server.url, username, password);
    const before = await overview();
    expect(before.agencies.length).toBeGreaterThan(0);
    const coordinator = before.users.find((u) => u.username === username)!;
    expect(before.sessions.find((s) => s.userId === coordinator.id)?.count).toBe(2);
    expect(JSON.stringify(before.sessions)).not.toMatch(/sessionId|"id"/);

    expect((await call(`${API_ROUTES.admin}/users/${coordinator.id}/end-sessions`, { method: 'POST', body: '{}' })).status).toBe(200);
    expect((await overview()).sessions.some((s) => s.userId === coordinator.id)).toBe(false);
  });

  it('names the user of each audit entry', async () => {
    const page = AuditPage.parse(await (await call(`${API_ROUTES.audit}?action=session.sign_in`)).json());
    const admin = (await overview()).users.find((u) => u.username === server.accounts.admin.username)!;
    const mine = page.entries.filter((e) => e.userId === admin.id);
    expect(mine.length).toBeGreaterThan(0);
    for (const e of mine) expect(e.userName).toBe(admin.displayName);
  });
});
