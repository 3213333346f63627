import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbassyAggregates, SUPPRESSED } from '../../shared/aggregate';
import { AuditPage } from '../../shared/schemas/admin.schema';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { ReadService } from '../../server/services/read.service';
import { ownOrigin, connectAs, expectOk, makeGroupInput, reportCommand, sendCommand, signIn, updateCommand, type ClientSocket } from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
let coordinator: ClientSocket;
const cookie: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer();
  for (const role of ['coordinator', 'embassy', 'admin', 'field'] as const) {
    cookie[role] = await signIn(server.url, server.accounts[role].username, server.accounts[role].password);
  }
  coordinator = await connectAs(server.url, cookie['coordinator'] ?? '');
});
afterAll(async () => {
  coordinator.close();
  await server.destroy();
});

const get = async (who: string, path: string) => fetch(`${server.url}${path}`, { headers: { cookie: cookie[who] ?? '' } });
const auditOf = async (who: string, query: string) => AuditPage.parse(await (await get(who, `${API_ROUTES.audit}?${query}`)).json()).entries;

describe(ReadService.name, () => {
  it('audits an embassy reading a group it may see, and shows that read to coordinators, without personal values', async () => {
    const group = makeGroupInput({ nationalities: [{ code: 'NGA', count: 6 }], consentConsulate: 'yes', notes: 'secret-note-value' });
    expectOk(await sendCommand(coordinator, reportCommand(group)));

    const read = await get('embassy', `${API_ROUTES.groups}/${group.id}`);

    expect(read.status).toBe(200);
    const entries = await auditOf('coordinator', `action=group.read&recordId=${group.id}`);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ role: 'embassy', action: 'group.read', recordType: 'group', recordId: group.id, outcome: 'ok' });
    const everything = JSON.stringify(await auditOf('admin', 'limit=500'));
    expect(everything).not.toContain('secret-note-value');
    expect(everything).not.toContain('Test place');
    expect(everything).not.toContain(server.accounts.field.password);
  });

  it('audits a refused read (hidden or absent group) with the same not_found answer', async () => {
    const hidden = makeGroupInput({ nationalities: [{ code: 'NGA', count: 6 }], consentConsulate: 'no' });
    expectOk(await sendCommand(coordinator, reportCommand(hidden)));
    const absent = '01900000-0000-7000-8000-000000000000';

    const [a, b] = [await get('embassy', `${API_ROUTES.groups}/${hidden.id}`), await get('embassy', `${API_ROUTES.groups}/${absent}`)];

    expect([a.status, b.status]).toEqual([404, 404]);
    expect(await a.json()).toEqual(await b.json());
    expect(await auditOf('coordinator', `action=group.read&recordId=${hidden.id}`)).toMatchObject([{ action: 'group.read', outcome: 'refused' }]);
  });

  it('audits changes of consent and protection flag, and filters by action and user', async () => {
    const group = makeGroupInput({ consentConsulate: 'yes' });
    const first = expectOk(await sendCommand(coordinator, reportCommand(group)));
    expectOk(await sendCommand(coordinator, updateCommand(group.id, first.group.version, { consentConsulate: 'no', protectionConcern: true })));

    const entries = await auditOf('coordinator', `recordId=${group.id}`);

    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['group.consent_change', 'group.protection_flag_change']));
    const userId = entries[0]?.userId ?? '';
    expect((await auditOf('coordinator', `userId=${userId}&limit=5`)).every((e) => e.userId === userId)).toBe(true);
  });

  it('records sign-ins and failed sign-ins', async () => {
    await fetch(`${server.url}${API_ROUTES.session}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ownOrigin(server.url) },
      body: JSON.stringify({ username: server.accounts.field.username, password: 'wrong-password' }),
    });
    const outcomes = (await auditOf('admin', 'action=session.sign_in')).map((e) => e.outcome);
    expect(outcomes).toContain('ok');
    expect(outcomes).toContain('failed');
  });

  it('refuses a malformed audit query with invalid', async () => {
    expect((await get('coordinator', `${API_ROUTES.audit}?limit=100000`)).status).toBe(400);
    expect((await get('coordinator', `${API_ROUTES.audit}?from=yesterday`)).status).toBe(400);
  });

  it('gives an embassy aggregates of the nationals it cannot see in full, counts 1-4 as "<5", and no point or id', async () => {
    const near = { lat: 30.1, lon: 15.1, accuracyM: 10, placeName: 'Aggregate place', siteType: 'urban_dispersed' as const };
    const hiddenSmall = makeGroupInput({
      location: near,
      headcount: { total: 3 },
      nationalities: [{ code: 'NGA', count: 3 }],
      consentConsulate: 'no',
      needs: [{ id: uuidv7(), type: 'water', severity: 4, people: 3 }],
    });
    const hiddenFlagged = makeGroupInput({
      location: { ...near, lat: 30.11 },
      headcount: { total: 20 },
      nationalities: [
        { code: 'NGA', count: 9 },
        { code: 'NER', count: 11 },
      ],
      consentConsulate: 'yes',
      protectionConcern: true,
      needs: [],
    });
    const visible = makeGroupInput({ location: { ...near, lat: 30.12 }, nationalities: [{ code: 'NGA', count: 7 }], consentConsulate: 'yes' });
    for (const g of [hiddenSmall, hiddenFlagged, visible]) expectOk(await sendCommand(coordinator, reportCommand(g)));

    const response = await get('embassy', API_ROUTES.aggregates);

    expect(response.status).toBe(200);
    const text = await response.text();
    const aggregates = EmbassyAggregates.parse((JSON.parse(text) as { aggregates: unknown }).aggregates);
    const area = aggregates.areas.find((a) => a.centre !== null && Math.abs(a.centre[1] - 30.1) < 0.2 && Math.abs(a.centre[0] - 15.1) < 0.2);
    // 3 + 9 hidden: 12, released rounded down to 10 (protection rule 10).
    expect(area).toMatchObject({ people: 10, byStatus: { reported: 10 }, byNeed: { water: SUPPRESSED } });
    for (const g of [hiddenSmall, hiddenFlagged, visible]) expect(text).not.toContain(g.id);
    expect(text).not.toContain('Aggregate place');
    expect(text).not.toMatch(/"lat"|"lon"/);
    expect(text).not.toContain('NER');

    const csv = await get('embassy', API_ROUTES.aggregatesCsv);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[1]).toBe(
      '#loc+code,#adm1+name,#adm1+code,#adm2+name,#adm2+code,#geo+lat,#geo+lon,#meta+dimension,#meta+category,#affected+migrants+total,#meta+suppressed',
    );
    // Withheld: an empty number and the flag, never "<5" under the numeric hashtag.
    expect(lines).toContain(`${area?.area},,,,,${area?.centre?.[1].toFixed(2)},${area?.centre?.[0].toFixed(2)},need,water,,yes`);
    expect((await auditOf('coordinator', 'action=export.aggregates')).map((e) => e.role)).toEqual(['embassy']);
  });
});
