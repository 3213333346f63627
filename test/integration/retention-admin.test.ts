import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { AuditPage } from '../../shared/schemas/admin.schema';
import { RETENTION_ROUTES, RetentionOverview } from '../../shared/schemas/retention.schema';
import { connectUser, expectOk, makeGroupInput, ownOrigin, reportCommand, sendCommand, signIn, type ClientSocket } from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;

// The admin screen's retention (issue 21): policies set, cleared and closed, the ledger read and a
// purge run, over REST; admins only; every bad input a named 4xx that changes nothing.

let clock = Date.now();
let server: TestServer;
let admin: string;
let coordinator: string;
let field: ClientSocket;

beforeAll(async () => {
  server = await startTestServer({ now: () => clock, sessionPolicy: { idleMs: YEAR_MS, absoluteMs: YEAR_MS } });
  admin = await signIn(server.url, server.accounts.admin.username, server.accounts.admin.password);
  coordinator = await signIn(server.url, server.accounts.coordinator.username, server.accounts.coordinator.password);
  field = await connectUser(server.url, server.accounts.field);
});
afterAll(async () => {
  field.close();
  await server.destroy();
});

async function call(method: string, path: string, cookie: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { cookie, ...ownOrigin(server.url), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function overview(): Promise<RetentionOverview> {
  const { status, json } = await call('GET', RETENTION_ROUTES.overview, admin);
  expect(status).toBe(200);
  return RetentionOverview.parse(json);
}

async function auditActions(): Promise<string[]> {
  const res = await fetch(`${server.url}${API_ROUTES.audit}?limit=500`, { headers: { cookie: admin } });
  const page = AuditPage.parse(await res.json());
  return page.entries.filter((e) => e.action.startsWith('retention.')).map((e) => `${e.action} ${e.recordId} ${e.userId === null ? 'nobody' : 'someone'}`);
}

describe('the admin screen’s retention over REST', () => {
  it('refuses everyone but an admin, and answers bad input with named errors that change nothing', async () => {
    const crisisId = server.crisisId;
    for (const [method, path, body] of [
      ['GET', RETENTION_ROUTES.overview, undefined],
      ['PUT', RETENTION_ROUTES.policy(crisisId), { keepDays: 30, after: 'group_change' }],
      ['DELETE', RETENTION_ROUTES.policy(crisisId), undefined],
      ['POST', RETENTION_ROUTES.close(crisisId), {}],
      ['POST', RETENTION_ROUTES.purge, {}],
    ] as const) {
      const answer = await call(method, path, coordinator, body);
      expect([method, path, answer.status, answer.json.code]).toEqual([method, path, 403, 'forbidden']);
      const anonymous = await call(method, path, '', body);
      expect([method, path, anonymous.status]).toEqual([method, path, 401]);
    }
    const bad: [string, string, unknown, number, string][] = [
      ['PUT', RETENTION_ROUTES.policy(crisisId), { keepDays: 0, after: 'group_change' }, 400, 'invalid'],
      ['PUT', RETENTION_ROUTES.policy(crisisId), { keepDays: 1.5, after: 'group_change' }, 400, 'invalid'],
      ['PUT', RETENTION_ROUTES.policy(crisisId), { keepDays: 30, after: 'forever' }, 400, 'invalid'],
      ['PUT', RETENTION_ROUTES.policy(crisisId), { keepDays: 30, after: 'group_change', extra: 1 }, 400, 'invalid'],
      ['PUT', RETENTION_ROUTES.policy(crisisId), [1, 2], 400, 'invalid'],
      ['PUT', RETENTION_ROUTES.policy(crisisId), 'not json at all', 400, 'invalid'],
      ['PUT', RETENTION_ROUTES.policy('not-a-uuid'), { keepDays: 30, after: 'group_change' }, 404, 'not_found'],
      ['PUT', RETENTION_ROUTES.policy('01900000-0000-7000-8000-000000000000'), { keepDays: 30, after: 'group_change' }, 404, 'not_found'],
      ['DELETE', RETENTION_ROUTES.policy('01900000-0000-7000-8000-000000000000'), undefined, 404, 'not_found'],
      ['POST', RETENTION_ROUTES.close('01900000-0000-7000-8000-000000000000'), {}, 404, 'not_found'],
      // Closing needs a policy first.
      ['POST', RETENTION_ROUTES.close(crisisId), {}, 400, 'invalid'],
    ];
    for (const [method, path, body, status, code] of bad) {
      const answer = await call(method, path, admin, body);
      expect([method, path, JSON.stringify(body), answer.status, answer.json.code]).toEqual([method, path, JSON.stringify(body), status, code]);
    }
    const after = await overview();
    expect(after.crises.every((c) => c.policy === null)).toBe(true);
    expect(after.ledger).toEqual([]);
    expect(await auditActions()).toEqual([]);
  });

  it('sets, closes and clears a policy, purges what is due now, and lists it in the ledger; each step audited with the admin', async () => {
    const crisisId = server.crisisId;
    const group = expectOk(await sendCommand(field, reportCommand(makeGroupInput({ notes: 'Qzadminpurge' }))));
    const set = await call('PUT', RETENTION_ROUTES.policy(crisisId), admin, { keepDays: 30, after: 'group_change' });
    expect(set.status).toBe(200);
    expect(set.json.policy).toMatchObject({ crisisId, keepDays: 30, after: 'group_change', crisisClosedAt: null });
    expect((await overview()).crises.find((c) => c.id === crisisId)?.policy).toMatchObject({ keepDays: 30, after: 'group_change' });

    // Not due yet: nothing purged, nothing in the ledger.
    expect((await call('POST', RETENTION_ROUTES.purge, admin, {})).json).toEqual({ ok: true, groups: 0, imports: 0 });
    clock += 31 * DAY_MS;
    const purged = await call('POST', RETENTION_ROUTES.purge, admin, {});
    expect(purged.status).toBe(200);
    expect(purged.json).toMatchObject({ ok: true });
    expect(purged.json.groups).toBeGreaterThanOrEqual(1);
    const ledger = (await overview()).ledger;
    expect(ledger[0]).toMatchObject({ crisisId, kind: 'retention', groupId: null, reason: null, groups: purged.json.groups });
    // The coordinator's read of the purged group says when its details went (the details' marker);
    // a group reported since carries no marker.
    const read = await call('GET', `${API_ROUTES.groups}/${group.group.id}`, coordinator);
    expect(read.json).toMatchObject({ ok: true, purgedAt: ledger[0]!.at });
    const fresh = expectOk(await sendCommand(field, reportCommand(makeGroupInput())));
    expect((await call('GET', `${API_ROUTES.groups}/${fresh.group.id}`, coordinator)).json).not.toHaveProperty('purgedAt');

    const closed = await call('POST', RETENTION_ROUTES.close(crisisId), admin, {});
    expect(closed.status).toBe(200);
    expect(closed.json.policy).toMatchObject({ crisisClosedAt: new Date(clock).toISOString() });
    // A second close keeps the first date.
    clock += DAY_MS;
    expect((await call('POST', RETENTION_ROUTES.close(crisisId), admin, {})).json.policy).toMatchObject({
      crisisClosedAt: new Date(clock - DAY_MS).toISOString(),
    });

    expect((await call('DELETE', RETENTION_ROUTES.policy(crisisId), admin)).json).toEqual({ ok: true, cleared: true });
    expect((await call('DELETE', RETENTION_ROUTES.policy(crisisId), admin)).json).toEqual({ ok: true, cleared: false });
    expect((await overview()).crises.find((c) => c.id === crisisId)?.policy).toBeNull();

    // Newest first; each named with the admin who asked (the purge run is the server's own).
    expect(await auditActions()).toEqual([
      `retention.clear_policy ${crisisId} someone`,
      `retention.close_crisis ${crisisId} someone`,
      `retention.purge ${crisisId} nobody`,
      `retention.set_policy ${crisisId} someone`,
    ]);
  });
});
