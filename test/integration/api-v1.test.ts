import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { openDatabase } from '../../server/db/database';
import { createRepositories } from '../../server/repositories/repositories';
import { projectGroup, type Audience } from '../../shared/projection';
import { AdminOverview } from '../../shared/schemas/admin.schema';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import {
  API_TOKEN_ROUTES,
  API_V1_ROUTES,
  ApiAssignmentsPage,
  ApiGroupsPage,
  ApiNeedsPage,
  ApiTokenList,
  IssuedApiToken,
  type ApiGroup,
} from '../../shared/schemas/api-v1.schema';
import type { Command } from '../../shared/schemas/command.schema';
import type { Group } from '../../shared/schemas/group.schema';
import { NEED_CLUSTER } from '../../shared/schemas/need.schema';
import { ownOrigin, connectAs, expectOk, makeGroupInput, reportCommand, sendCommand, signIn, updateCommand, type ClientSocket } from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
let adminCookie: string;
let overview: AdminOverview;
let coordinator: ClientSocket;
const sockets: ClientSocket[] = [];
const agencyId = (acronym: string) => overview.agencies.find((a) => a.acronym === acronym)?.id ?? expect.fail(`no ${acronym}`);

async function issue(name: string, acronym: string, crisisId = server.crisisId): Promise<IssuedApiToken> {
  const response = await fetch(`${server.url}${API_TOKEN_ROUTES.list}`, {
    method: 'POST',
    headers: { cookie: adminCookie, 'content-type': 'application/json', ...ownOrigin(server.url) },
    body: JSON.stringify({ name, agencyId: agencyId(acronym), crisisId }),
  });
  expect(response.status).toBe(200);
  return IssuedApiToken.parse(await response.json());
}
const call = (path: string, token?: string) => fetch(`${server.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

/** Every page of a list, following nextCursor. */
async function all<T extends { nextCursor: number | null }>(path: string, token: string, parse: (body: unknown) => T, query = ''): Promise<T[]> {
  const pages: T[] = [];
  let cursor: number | null = null;
  do {
    const sep = query || cursor !== null ? '?' : '';
    const params = [query, cursor !== null ? `cursor=${cursor}` : ''].filter(Boolean).join('&');
    const response = await call(`${path}${sep}${params}`, token);
    expect(response.status).toBe(200);
    const page = parse(await response.json());
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return pages;
}

/** Every group of both crises, read straight from the database. */
async function allGroups(): Promise<Group[]> {
  const db = openDatabase(server.databaseFile, { readonly: true });
  try {
    const repos = createRepositories(db);
    const groups: Group[] = [];
    for (const c of await repos.crises.list()) groups.push(...(await repos.groups.listByCrisis(c.id)));
    return groups;
  } finally {
    db.close();
  }
}
const audienceOf = (acronym: string, role: 'responder' | 'embassy', servesState: string | null): Audience => ({
  userId: 'x',
  role,
  crisisId: server.crisisId,
  agencyId: agencyId(acronym),
  servesState,
});
/** What the projection gives this audience of every group: the API must answer exactly this. */
const expected = async (audience: Audience) =>
  new Map(
    (await allGroups()).flatMap((g) => {
      const view = projectGroup(audience, g);
      return view ? [[g.id, view] as const] : [];
    }),
  );
const strip = (item: ApiGroup) => ({ view: item.view, group: item.group });

let report: (overrides: Parameters<typeof makeGroupInput>[0]) => Promise<Group>;

beforeAll(async () => {
  server = await startTestServer({ apiRate: { perSecond: 1, burst: 60 }, socketRate: { perSecond: 1000, burst: 1000 } });
  const a = server.fixtureAccounts.admin!;
  adminCookie = await signIn(server.url, a.username, a.password);
  overview = AdminOverview.parse(await (await fetch(`${server.url}${API_ROUTES.admin}/overview`, { headers: { cookie: adminCookie } })).json());
  const c = server.fixtureAccounts.coordinator!;
  coordinator = await connectAs(server.url, await signIn(server.url, c.username, c.password));
  sockets.push(coordinator);
  report = async (overrides) => expectOk(await sendCommand(coordinator, reportCommand(makeGroupInput(overrides)))).group;

  // Consent, flag, other nationals, an assignment, and a group of another crisis.
  await report({ nationalities: [{ code: 'NGA', count: 5 }], consentConsulate: 'yes' });
  await report({ nationalities: [{ code: 'NGA', count: 5 }], consentConsulate: 'no' });
  await report({ nationalities: [{ code: 'NGA', count: 5 }], consentConsulate: 'yes', protectionConcern: true });
  await report({ nationalities: [{ code: 'NER', count: 5 }], consentConsulate: 'yes' });
  const assigned = await report({ nationalities: [{ code: 'GHA', count: 5 }] });
  const command: Command = {
    type: 'assignment.create',
    commandId: uuidv7(),
    groupId: assigned.id,
    baseVersion: assigned.version,
    assignment: { id: uuidv7(), needId: assigned.needs[0]!.id, agencyId: agencyId('IOM'), note: '', expectedBy: null },
  };
  expectOk(await sendCommand(coordinator, command));
  for (let i = 0; i < 5; i += 1) await report({ nationalities: [{ code: 'NGA', count: 2 }], consentConsulate: i % 2 ? 'yes' : 'not_asked' });
  const o = server.fixtureAccounts.otherField!;
  const other = await connectAs(server.url, await signIn(server.url, o.username, o.password));
  sockets.push(other);
  expectOk(await sendCommand(other, reportCommand(makeGroupInput({ nationalities: [{ code: 'NGA', count: 5 }], consentConsulate: 'yes' }))));
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await server.destroy();
});

describe('read-only API for agencies', () => {
  it('gives a consulate token what its embassy users see, and no more, page by page', async () => {
    const { token } = await issue('NGA case system', 'NGA-EMB');
    const audience = audienceOf('NGA-EMB', 'embassy', 'NGA');
    const pages = await all(API_V1_ROUTES.groups, token, (b) => ApiGroupsPage.parse(b), 'limit=2');
    const items = pages.flatMap((p) => p.items);
    expect(items.length).toBeGreaterThanOrEqual(3);
    expect(new Set(items.map((i) => i.group.id)).size).toBe(items.length);
    expect(new Map(items.map((i) => [i.group.id, strip(i)]))).toEqual(await expected(audience));
    // Rule 9: its nationals' part only, never the whole group.
    expect(items.every((i) => i.view === 'nationals' && i.group.nationality === 'NGA')).toBe(true);

    const needs = (await all(API_V1_ROUTES.needs, token, (b) => ApiNeedsPage.parse(b))).flatMap((p) => p.items);
    expect(needs.every((n) => n.people === undefined)).toBe(true);
    const fullGroups = [...(await expected(audience)).values()].flatMap((v) => (v.view === 'nationals' ? [v.group] : []));
    expect(needs.map((n) => `${n.groupId}/${n.id}`).sort()).toEqual(fullGroups.flatMap((g) => g.needs.map((n) => `${g.id}/${n.id}`)).sort());
    expect(needs.every((n) => n.cluster === NEED_CLUSTER[n.type])).toBe(true);

    // One group by id: visible answers it; hidden (no consent) and other-crisis answer not_found.
    const first = items[0]!;
    expect(await (await call(`/api/v1/groups/${first.group.id}`, token)).json()).toMatchObject({ ok: true, item: { view: 'nationals' } });
    const hidden = (await allGroups()).find((g) => g.consentConsulate === 'no')!;
    expect((await call(`/api/v1/groups/${hidden.id}`, token)).status).toBe(404);
    expect((await call('/api/v1/groups/not-a-uuid', token)).status).toBe(404);
  });

  it("gives another agency's token what its responders see: full only where it has open work", async () => {
    const { token } = await issue('IOM data warehouse', 'IOM');
    const audience = audienceOf('IOM', 'responder', null);
    const items = (await all(API_V1_ROUTES.groups, token, (b) => ApiGroupsPage.parse(b), 'limit=3')).flatMap((p) => p.items);
    expect(new Map(items.map((i) => [i.group.id, strip(i)]))).toEqual(await expected(audience));
    expect(items.filter((i) => i.view === 'full')).toHaveLength(1);
    expect(items.filter((i) => i.view === 'reduced').length).toBeGreaterThan(5);
    const assignments = (await all(API_V1_ROUTES.assignments, token, (b) => ApiAssignmentsPage.parse(b))).flatMap((p) => p.items);
    expect(assignments).toHaveLength(1);
    expect(assignments[0]!.agencyId).toBe(agencyId('IOM'));
    // Needs of reduced groups stay out (the app shows only their types).
    const needs = (await all(API_V1_ROUTES.needs, token, (b) => ApiNeedsPage.parse(b))).flatMap((p) => p.items);
    expect(new Set(needs.map((n) => n.groupId))).toEqual(new Set(items.filter((i) => i.view === 'full').map((i) => i.group.id)));
  });

  it('pulls only what changed since a seq, and names groups the agency may no longer see', async () => {
    const { token } = await issue('NGA sync', 'NGA-EMB');
    const first = ApiGroupsPage.parse(await (await call(API_V1_ROUTES.groups, token)).json());
    const visible = first.items.find((i) => i.view === 'nationals')!;
    const since = first.headSeq;
    const fresh = await report({ nationalities: [{ code: 'NGA', count: 1 }], consentConsulate: 'yes' });
    await report({ nationalities: [{ code: 'NGA', count: 1 }], consentConsulate: 'no' });
    const group = visible.group;
    expectOk(await sendCommand(coordinator, updateCommand(group.id, group.version, { consentConsulate: 'no' })));
    const pull = ApiGroupsPage.parse(await (await call(`${API_V1_ROUTES.groups}?since=${since}`, token)).json());
    expect(pull.items.map((i) => i.group.id)).toEqual([fresh.id]);
    expect(pull.removed.map((r) => r.id)).toEqual([group.id]);
    expect(pull.headSeq).toBeGreaterThan(since);
  });

  it('refuses no token, an unknown one and a revoked one with 401, and a bad query with 400', async () => {
    const noToken = await call(API_V1_ROUTES.groups);
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await noToken.json()).toMatchObject({ ok: false, code: 'unauthorized' });
    expect((await call(API_V1_ROUTES.groups, 'wmk_not-a-real-token')).status).toBe(401);

    const issued = await issue('to revoke', 'IOM');
    expect((await call(API_V1_ROUTES.groups, issued.token)).status).toBe(200);
    const revoke = await fetch(`${server.url}${API_TOKEN_ROUTES.revoke(issued.summary.id)}`, {
      method: 'POST',
      headers: { cookie: adminCookie, ...ownOrigin(server.url) },
    });
    expect(revoke.status).toBe(200);
    const refused = await call(API_V1_ROUTES.groups, issued.token);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'unauthorized', message: 'this API token was revoked' });

    const { token } = await issue('queries', 'IOM');
    for (const query of ['limit=0', 'limit=501', 'since=-1', 'cursor=abc', 'colour=red']) {
      const response = await call(`${API_V1_ROUTES.groups}?${query}`, token);
      expect(response.status, query).toBe(400);
      expect(await response.json()).toMatchObject({ ok: false, code: 'invalid' });
    }
  });

  it('stops auditing an address that keeps guessing tokens: past its allowance it gets 429, not another audit row', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await call(API_V1_ROUTES.groups, `wmk_guess-${i}`)).status);
    expect(statuses[0]).toBe(401);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 401).length).toBeLessThan(40);
    const last = await call(API_V1_ROUTES.groups, 'wmk_guess-last');
    expect(await last.json()).toMatchObject({ ok: false, code: 'rate_limited' });
  });

  it('audits issue, revocation and every use; lists tokens without the token; admins only', async () => {
    const issued = await issue('audited', 'IOM');
    await call(API_V1_ROUTES.needs, issued.token);
    await fetch(`${server.url}${API_TOKEN_ROUTES.revoke(issued.summary.id)}`, { method: 'POST', headers: { cookie: adminCookie, ...ownOrigin(server.url) } });
    await call(API_V1_ROUTES.needs, issued.token);
    const audit = await fetch(`${server.url}${API_ROUTES.audit}?recordId=${issued.summary.id}`, { headers: { cookie: adminCookie } });
    const entries = ((await audit.json()) as { entries: { action: string; outcome: string }[] }).entries.reverse();
    expect(entries.map((e) => `${e.action}:${e.outcome}`)).toEqual(['api_token.issue:ok', 'api.read:ok', 'api_token.revoke:ok', 'api.read:refused']);

    const list = ApiTokenList.parse(await (await fetch(`${server.url}${API_TOKEN_ROUTES.list}`, { headers: { cookie: adminCookie } })).json());
    const listed = list.tokens.find((t) => t.id === issued.summary.id)!;
    expect(listed.revokedAt).not.toBeNull();
    expect(listed.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(list)).not.toContain(issued.token);

    const c = server.fixtureAccounts.coordinator!;
    const coordinatorCookie = await signIn(server.url, c.username, c.password);
    expect((await fetch(`${server.url}${API_TOKEN_ROUTES.list}`, { headers: { cookie: coordinatorCookie } })).status).toBe(403);
    expect((await fetch(`${server.url}${API_TOKEN_ROUTES.list}`)).status).toBe(401);
  });

  it("limits each token's rate with 429 rate_limited", async () => {
    const { token } = await issue('hasty', 'IOM');
    const statuses: number[] = [];
    for (let i = 0; i < 70; i += 1) statuses.push((await call(`${API_V1_ROUTES.groups}?limit=1`, token)).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.slice(0, 50).every((s) => s === 200)).toBe(true);
  });
});
