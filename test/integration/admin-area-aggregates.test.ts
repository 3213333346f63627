import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSULAR_ROUTES, ConsularSummary } from '../../shared/consular';
import { EXPORT_ROUTES } from '../../shared/exports/export.schema';
import { ADMIN_AREA_ROUTES, BOUNDARY_UPLOAD_TYPE, BoundaryLoadResult, type BoundaryFile } from '../../shared/schemas/admin-area.schema';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { EmbassyAggregates, SUPPRESSED } from '../../shared/aggregate';
import { codFeature, collectionText, square } from '../support/boundaries';
import { connectAs, expectOk, makeGroupInput, ownOrigin, reportCommand, sendCommand, signIn, type ClientSocket } from '../support/clients';
import { findLeaks } from '../support/differencing-adversary';
import { validateHxlCsv } from '../support/hxl-validator';
import { startTestServer, type TestServer } from '../support/server';

// The embassy's areas, its CSV and the shareable export named by admin area once the crisis has
// boundaries. West has one district (Coast, large); East has Gulf (large) and Port (about 100 km²,
// smaller than the 250 km² the aggregates are protected at), so a group in Port counts in East.
// South of 22°N no area is loaded: groups there count "outside".
const WEST = { pcode: 'LYA1', name: 'West' };
const EAST = { pcode: 'LYA2', name: 'East' };
const files = (): BoundaryFile[] => [
  {
    name: 'adm1.geojson',
    text: collectionText([
      codFeature(1, WEST.pcode, WEST.name, { type: 'Polygon', coordinates: [square(9, 22, 15, 34)] }),
      codFeature(1, EAST.pcode, EAST.name, { type: 'Polygon', coordinates: [square(15, 22, 26, 34)] }),
    ]),
  },
  {
    name: 'adm2.geojson',
    text: collectionText([
      codFeature(2, 'LYA101', 'Coast', { type: 'Polygon', coordinates: [square(9, 22, 15, 34)] }, WEST),
      codFeature(2, 'LYA201', 'Gulf', { type: 'Polygon', coordinates: [square(15, 22, 20, 34)] }, EAST),
      codFeature(2, 'LYA202', 'Port', { type: 'Polygon', coordinates: [square(20, 31, 20.1, 31.1)] }, EAST),
    ]),
  },
];

const REFRESH_MS = 60_000;
let nowMs = Date.now();
let server: TestServer;
let coordinator: ClientSocket;
const cookies = new Map<'coordinator' | 'embassy' | 'admin', string>();
const get = (who: 'coordinator' | 'embassy', path: string) => fetch(`${server.url}${path}`, { headers: { cookie: cookies.get(who) ?? '' } });
const hidden = async (lat: number, lon: number, nationals: number) =>
  expectOk(
    await sendCommand(
      coordinator,
      reportCommand(
        makeGroupInput({
          location: { lat, lon, accuracyM: 15, placeName: 'Aggregate test place', siteType: 'other' },
          headcount: { total: nationals },
          nationalities: [{ code: 'NGA', count: nationals }],
          consentConsulate: 'no',
          needs: [],
        }),
      ),
    ),
  ).group;

beforeAll(async () => {
  server = await startTestServer({ now: () => nowMs, consularRefreshMs: REFRESH_MS });
  for (const who of ['coordinator', 'embassy', 'admin'] as const) {
    const a = server.fixtureAccounts[who]!;
    cookies.set(who, await signIn(server.url, a.username, a.password));
  }
  coordinator = await connectAs(server.url, cookies.get('coordinator')!);
  const load = await fetch(`${server.url}${ADMIN_AREA_ROUTES.boundaries(server.crisisId)}`, {
    method: 'POST',
    headers: { cookie: cookies.get('admin')!, 'content-type': BOUNDARY_UPLOAD_TYPE, ...ownOrigin(server.url) },
    body: JSON.stringify({ files: files() }),
  });
  expect(BoundaryLoadResult.parse(await load.json())).toMatchObject({ committed: true });
  await hidden(30, 12, 7); // Coast (West): a district of its own.
  await hidden(30.5, 17, 3); // Gulf (East): "<5".
  await hidden(31.05, 20.05, 6); // Port: too small, counts in East.
  await hidden(20.5, 14, 2); // Outside every loaded area.
  nowMs = (Math.floor(nowMs / REFRESH_MS) + 1) * REFRESH_MS + 1;
});
afterAll(async () => {
  coordinator.close();
  await server.destroy();
});

describe('aggregates by admin area', () => {
  it('names the embassy areas by district where it is large enough, else by region, and groups outside by "outside"', async () => {
    const summary = ConsularSummary.parse(await (await get('embassy', CONSULAR_ROUTES.summary)).json());
    const byArea = new Map(summary.areas.map((a) => [a.area, a]));
    expect([...byArea.keys()].sort()).toEqual(['adm1:LYA2', 'adm2:LYA101', 'adm2:LYA201', 'outside']);
    expect(byArea.get('adm2:LYA101')).toMatchObject({ admin1: WEST, admin2: { pcode: 'LYA101', name: 'Coast' }, people: 5 });
    expect(byArea.get('adm2:LYA201')).toMatchObject({ admin1: EAST, admin2: { pcode: 'LYA201', name: 'Gulf' }, people: SUPPRESSED });
    // Port (6 people) is smaller than 250 km²: counted in East as a whole, never named.
    expect(byArea.get('adm1:LYA2')).toMatchObject({ admin1: EAST, admin2: null, people: 5 });
    expect(JSON.stringify(summary)).not.toContain('Port');
    expect(byArea.get('outside')).toMatchObject({ admin1: null, admin2: null, outline: [], centre: null, people: SUPPRESSED });
    // Outlines are the areas', centres inside them: nothing of a group's point.
    expect(byArea.get('adm2:LYA101')?.outline.length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(summary)).not.toMatch(/"lat"|"lon"/);
    // The overview and the areas together still pin nothing (protection rule 10).
    expect(findLeaks({ state: summary.state, areas: summary.areas, overview: summary.overview, fullGroups: [] })).toEqual([]);
  });

  it('writes the admin names and p-codes in the embassy CSV, under valid HXL, withheld counts flagged', async () => {
    const aggregates = EmbassyAggregates.parse(((await (await get('embassy', API_ROUTES.aggregates)).json()) as { aggregates: unknown }).aggregates);
    expect(aggregates.areas.map((a) => a.area).sort()).toEqual(['adm1:LYA2', 'adm2:LYA101', 'adm2:LYA201', 'outside']);
    const csv = await (await get('embassy', API_ROUTES.aggregatesCsv)).text();
    expect(validateHxlCsv(csv)).toEqual([]);
    const rows = parse(csv.replace(/^\uFEFF/, ''), { columns: false }) as string[][];
    expect(rows[1]!.slice(0, 5)).toEqual(['#loc+code', '#adm1+name', '#adm1+code', '#adm2+name', '#adm2+code']);
    const totals = rows.filter((r) => r[7] === 'total').map((r) => [r[0], r[1], r[2], r[3], r[4], r[9], r[10]]);
    expect(totals).toEqual([
      ['adm1:LYA2', 'East', 'LYA2', '', '', '5', ''],
      ['adm2:LYA101', 'West', 'LYA1', 'Coast', 'LYA101', '5', ''],
      ['adm2:LYA201', 'East', 'LYA2', 'Gulf', 'LYA201', '', 'yes'],
      ['outside', '', '', '', '', '', 'yes'],
    ]);
  });

  it('gives the shareable export by admin area with p-codes, 1-4 withheld, valid HXL', async () => {
    const csv = await (await get('coordinator', EXPORT_ROUTES.shareableCsv)).text();
    expect(validateHxlCsv(csv)).toEqual([]);
    const rows = (parse(csv.replace(/^\uFEFF/, ''), { columns: false }) as string[][]).slice(2);
    expect(rows.map((r) => [r[0], r[1], r[2], r[3], r[4], r[7], r[8], r[9]])).toEqual([
      ['adm1:LYA2', 'East', 'LYA2', '', '', 'NGA', '6', ''],
      ['adm2:LYA101', 'West', 'LYA1', 'Coast', 'LYA101', 'NGA', '7', ''],
      ['adm2:LYA201', 'East', 'LYA2', 'Gulf', 'LYA201', 'NGA', '', 'yes'],
      ['outside', '', '', '', '', 'NGA', '', 'yes'],
    ]);
  });
});
