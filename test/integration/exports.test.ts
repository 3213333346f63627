import { getIssues } from '@placemarkio/check-geojson';
import { parse } from 'csv-parse/sync';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportService } from '../../server/services/export.service';
import { EXPORT_ROUTES, Sitrep } from '../../shared/exports/export.schema';
import { AuditPage } from '../../shared/schemas/admin.schema';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { AgencyList } from '../../shared/schemas/coordination.schema';
import type { Command } from '../../shared/schemas/command.schema';
import type { Group, GroupInput } from '../../shared/schemas/group.schema';
import { ownOrigin, connectAs, expectOk, makeGroupInput, reportCommand, sendCommand, signIn, type ClientSocket } from '../support/clients';
import { startTestServer, type FixtureAccount, type TestServer } from '../support/server';

let server: TestServer;
let coordinator: ClientSocket;
const cookies = new Map<FixtureAccount, string>();
const NOTE = 'note-never-exported-51c2';
const ACCOUNTS: FixtureAccount[] = ['coordinator', 'responder', 'embassy', 'field', 'admin'];

const get = (path: string, account: FixtureAccount = 'coordinator', init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, { ...init, headers: { cookie: cookies.get(account) ?? '', ...ownOrigin(server.url) } });
const csvRows = async (response: Response) => parse(await response.text(), { bom: true }) as string[][];
const auditOf = async (query: string) => AuditPage.parse(await (await get(`${API_ROUTES.audit}?${query}`, 'admin')).json()).entries;
const report = async (input: GroupInput): Promise<Group> => expectOk(await sendCommand(coordinator, reportCommand(input))).group;

const groups: Record<'embassySees' | 'flagged' | 'assignedIom' | 'plain', Group> = {} as never;

beforeAll(async () => {
  server = await startTestServer();
  for (const account of ACCOUNTS) {
    const c = server.fixtureAccounts[account]!;
    cookies.set(account, await signIn(server.url, c.username, c.password));
  }
  coordinator = await connectAs(server.url, cookies.get('coordinator') ?? '');
  const nga = [{ code: 'NGA', count: 7 }];
  groups.embassySees = await report(makeGroupInput({ nationalities: nga, consentConsulate: 'yes', notes: NOTE }));
  groups.flagged = await report(makeGroupInput({ nationalities: nga, consentConsulate: 'yes', protectionConcern: true, notes: NOTE }));
  groups.plain = await report(
    makeGroupInput({ notes: NOTE, location: { lat: 30.1, lon: 19.2, accuracyM: null, placeName: 'Ajdabiya', siteType: 'open_air' } }),
  );
  const c = await report(makeGroupInput({ nationalities: [{ code: 'NER', count: 9 }], consentConsulate: 'no', notes: NOTE }));
  const iom = AgencyList.parse(await (await get('/api/agencies')).json()).agencies.find((a) => a.acronym === 'IOM')!;
  const assign: Command = {
    type: 'assignment.create',
    commandId: uuidv7(),
    groupId: c.id,
    baseVersion: c.version,
    assignment: { id: uuidv7(), needId: c.needs[0]!.id, agencyId: iom.id, note: NOTE, expectedBy: null },
  };
  groups.assignedIom = expectOk(await sendCommand(coordinator, assign)).group;
});
afterAll(async () => {
  coordinator.close();
  await server.destroy();
});

const idsIn = (rows: string[][]) => rows.slice(2).map((r) => r[rows[1]!.indexOf('#meta+id')]);

describe(ExportService.name, () => {
  it('exports the whole crisis to a coordinator as HXL CSV and valid GeoJSON, without flag, consent or notes', async () => {
    const csv = await get(EXPORT_ROUTES.groupsCsv);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="waymark-groups-\d{4}-\d{2}-\d{2}\.csv"/);
    const rows = await csvRows(csv);
    expect(rows[1]!.every((tag) => tag.startsWith('#'))).toBe(true);
    expect(new Set(idsIn(rows))).toEqual(new Set(Object.values(groups).map((g) => g.id)));
    const iomRow = rows.find((r) => r.includes(groups.assignedIom.id))!;
    expect(iomRow[rows[1]!.indexOf('#org+impl+name')]).toBe('IOM');

    // A spreadsheet opened by double-click needs the BOM to read UTF-8; machines can ask for none.
    const bytes = new Uint8Array(await (await get(EXPORT_ROUTES.groupsCsv)).arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const bare = await get(`${EXPORT_ROUTES.groupsCsv}?bom=0&nationality=NER`);
    expect(bare.status).toBe(200);
    const bareBytes = new Uint8Array(await bare.arrayBuffer());
    expect(String.fromCharCode(...bareBytes.slice(0, 8))).toBe('Group id');

    const geo = await get(EXPORT_ROUTES.groupsGeoJson);
    expect(geo.headers.get('content-type')).toMatch(/^application\/geo\+json/);
    const text = await geo.text();
    expect(getIssues(text)).toEqual([]);
    const plain = (JSON.parse(text) as { features: { geometry: { coordinates: number[] }; properties: { id: string } }[] }).features.find(
      (f) => f.properties.id === groups.plain.id,
    );
    expect(plain?.geometry.coordinates).toEqual([19.2, 30.1]);

    for (const body of [JSON.stringify(rows), text]) {
      expect(body).not.toContain(NOTE);
      expect(body.toLowerCase()).not.toMatch(/protection|consent|notes/);
    }
  });

  it("scopes an embassy's export to its consenting, unflagged nationals and a responder's to its agency's groups", async () => {
    expect(idsIn(await csvRows(await get(EXPORT_ROUTES.groupsCsv, 'embassy')))).toEqual([groups.embassySees.id]);
    expect(idsIn(await csvRows(await get(EXPORT_ROUTES.groupsCsv, 'responder')))).toEqual([groups.assignedIom.id]);
    const geo = JSON.parse(await (await get(EXPORT_ROUTES.groupsGeoJson, 'embassy')).text()) as { features: { properties: { id: string } }[] };
    expect(geo.features.map((f) => f.properties.id)).toEqual([groups.embassySees.id]);
  });

  it('refuses roles that may not export, and the crisis-wide exports to responders and embassies', async () => {
    for (const account of ['field', 'admin'] as const) expect((await get(EXPORT_ROUTES.groupsCsv, account)).status).toBe(403);
    for (const account of ['field', 'admin', 'responder', 'embassy'] as const) {
      expect((await get(EXPORT_ROUTES.shareableCsv, account)).status).toBe(403);
      expect((await get(EXPORT_ROUTES.sitrep, account)).status).toBe(403);
      expect((await get(EXPORT_ROUTES.sitrep, account, { method: 'POST' })).status).toBe(403);
    }
    expect((await fetch(`${server.url}${EXPORT_ROUTES.groupsCsv}`)).status).toBe(401);
  });

  it('filters, and answers a bad filter with invalid', async () => {
    expect(idsIn(await csvRows(await get(`${EXPORT_ROUTES.groupsCsv}?nationality=NER`)))).toEqual([groups.assignedIom.id]);
    const bad = await get(`${EXPORT_ROUTES.groupsCsv}?status=lost&drop=1`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, code: 'invalid' });
  });

  it('shares counts by area and nationality, 1-4 withheld (empty number, flag column), area centres only', async () => {
    await report(
      makeGroupInput({
        headcount: { total: 3 },
        nationalities: [],
        needs: [],
        location: { lat: 26.6, lon: 12.8, accuracyM: null, placeName: 'Ubari', siteType: 'other' },
      }),
    );
    const rows = await csvRows(await get(EXPORT_ROUTES.shareableCsv));
    expect(rows[1]).toEqual([
      '#loc+code',
      '#adm1+name',
      '#adm1+code',
      '#adm2+name',
      '#adm2+code',
      '#geo+lat',
      '#geo+lon',
      '#country+origin',
      '#affected+migrants+total',
      '#meta+suppressed',
    ]);
    const people = rows.slice(2).map((r) => r.slice(8));
    expect(people.map(([n]) => n)).not.toContainEqual(expect.stringMatching(/^[1-4]$|</));
    expect(people).toContainEqual(['', 'yes']);
    const text = await (await get(EXPORT_ROUTES.shareableGeoJson)).text();
    expect(getIssues(text)).toEqual([]);
    for (const body of [JSON.stringify(rows), text]) for (const g of Object.values(groups)) expect(body).not.toContain(g.id);
    expect(text + JSON.stringify(rows)).not.toMatch(/Ajdabiya|Ubari|Test place/);
  });

  it('writes every export to the audit log: who, which export, how many rows, which filters', async () => {
    const before = (await auditOf('limit=1'))[0]!.id;
    await get(`${EXPORT_ROUTES.groupsCsv}?need=water`, 'embassy');
    await get(EXPORT_ROUTES.groupsGeoJson, 'responder');
    await get(EXPORT_ROUTES.shareableGeoJson);
    await get(EXPORT_ROUTES.sitrep);
    const entries = (await auditOf('limit=500')).filter((e) => e.id > before && e.action.startsWith('export.'));
    expect(entries.map((e) => [e.role, e.action, JSON.parse(e.detail ?? 'null')])).toEqual([
      ['coordinator', 'export.sitrep', { format: 'sitrep', issued: false, number: 1 }],
      ['coordinator', 'export.shareable', { format: 'geojson', rows: expect.any(Number), filters: {} }],
      ['responder', 'export.groups', { format: 'geojson', rows: 1, filters: {} }],
      ['embassy', 'export.groups', { format: 'csv', rows: 1, filters: { need: 'water' } }],
    ]);
    expect(entries.every((e) => e.recordId === server.crisisId)).toBe(true);
    expect(JSON.stringify(entries)).not.toContain(NOTE);
  });

  it('numbers issued situation reports and compares each with the last one issued (the first with the crisis start)', async () => {
    const first = Sitrep.parse(await (await get(EXPORT_ROUTES.sitrep)).json());
    expect(first).toMatchObject({ number: 1, issuedAt: null, previous: null, since: first.crisis.createdAt });
    expect(first.baseline.stranded).toBe(0);
    expect(first.figures.stranded).toBe(12 * 4 + 3);
    expect(first.gaps.unassignedTotal).toBe(3);
    expect(JSON.stringify(first)).not.toContain(NOTE);

    const issued = Sitrep.parse(await (await get(EXPORT_ROUTES.sitrep, 'coordinator', { method: 'POST' })).json());
    expect(issued.number).toBe(1);
    expect(issued.issuedAt).not.toBeNull();

    await report(makeGroupInput());
    const next = Sitrep.parse(await (await get(EXPORT_ROUTES.sitrep)).json());
    expect(next).toMatchObject({ number: 2, previous: { number: 1, issuedAt: issued.issuedAt }, since: issued.issuedAt });
    expect(next.baseline).toEqual(issued.figures);
    expect(next.figures.stranded - next.baseline.stranded).toBe(12);
    expect((await auditOf('action=export.sitrep')).map((e) => JSON.parse(e.detail ?? '{}').issued)).toContain(true);

    // Issued at the same moment (each folded outside the write lock): consecutive numbers, each
    // compared with the one before it, never two of the same number.
    const together = await Promise.all(
      [0, 1, 2].map(async () => Sitrep.parse(await (await get(EXPORT_ROUTES.sitrep, 'coordinator', { method: 'POST' })).json())),
    );
    expect(together.map((s) => s.number).sort()).toEqual([2, 3, 4]);
    for (const s of together) expect(s.previous?.number).toBe(s.number - 1);
  });
});
