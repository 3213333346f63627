import { getIssues } from '@placemarkio/check-geojson';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database';
import { openStore } from '../../server/db/open-store';
import { createRepositories, type Repositories } from '../../server/repositories/repositories';
import { AdminService } from '../../server/services/admin.service';
import { EXPORT_PAGE_SIZE, ExportService } from '../../server/services/export.service';
import { h3AreaIndex } from '../../server/services/h3-area-index';
import { EXPORT_ROUTES } from '../../shared/exports/export.schema';
import { exportableGroups, groupsGeoJson } from '../../shared/exports/group-export';
import { signIn } from '../support/clients';
import { exportBody } from '../support/export-body';
import { makeAudience, makeGroup } from '../support/factories';
import { startTestServer, type TestServer } from '../support/server';

/** Stores `n` groups in one crisis straight through the repositories (no commands: only the export is under test). */
async function storeGroups(repos: Repositories, crisisId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  await repos.transaction(async () => {
    for (let i = 0; i < n; i += 1) {
      const g = makeGroup({
        crisisId,
        location: { lat: 26 + (i % 500) / 100, lon: 12 + Math.floor(i / 500) / 10, accuracyM: null, placeName: `P${i}`, siteType: 'other', siteId: null },
      });
      await repos.groups.insert(g);
      ids.push(g.id);
    }
  });
  return ids;
}

const csvIds = (text: string) => {
  const rows = parse(text, { bom: true }) as string[][];
  const at = rows[1]!.indexOf('#meta+id');
  return rows.slice(2).map((r) => r[at]);
};

describe(`${ExportService.name} streaming`, () => {
  const GROUPS = EXPORT_PAGE_SIZE * 2 + 500;
  let repos: Repositories;
  let crisisId: string;
  let ids: string[];
  const coordinator = () => makeAudience({ role: 'coordinator', crisisId });

  beforeAll(async () => {
    repos = createRepositories(openDatabase(':memory:'));
    const admin = new AdminService(repos, { scrypt: { N: 16, r: 1, p: 1 } });
    crisisId = (await admin.createCrisis({ name: 'Stream', type: 'conflict', hostCountry: 'LBY', phase: 'emergency_response', area: [9.3, 19.5, 25.2, 33.2] }))
      .id;
    ids = await storeGroups(repos, crisisId, GROUPS);
  });
  afterAll(async () => {
    await repos.close();
  });

  it('writes the CSV a page at a time, each piece at most a page of rows, and audits the rows written', async () => {
    const service = new ExportService(repos, h3AreaIndex);
    const stream = await service.groups(coordinator(), 'csv', {});
    if (!stream.ok) throw new Error(stream.message);
    const pieces: string[] = [];
    const rows = await stream.write(async (chunk) => {
      pieces.push(chunk);
      await Promise.resolve();
    });
    expect(rows).toBe(GROUPS);
    // Head, three pages, an empty tail: never the whole file in one piece.
    expect(pieces.length).toBe(5);
    for (const piece of pieces) expect(piece.split('\r\n').length - 1).toBeLessThanOrEqual(EXPORT_PAGE_SIZE);
    expect(csvIds(pieces.join(''))).toEqual(ids);
    const [audit] = await repos.audit.recent(1);
    expect(audit).toMatchObject({ action: 'export.groups', outcome: 'ok' });
    expect(JSON.parse(audit!.detail!)).toEqual({ format: 'csv', rows: GROUPS, filters: {} });
  });

  it('audits an export that fails half-way as failed, with the rows written before it stopped', async () => {
    const service = new ExportService(repos, h3AreaIndex);
    const stream = await service.groups(coordinator(), 'geojson', {});
    if (!stream.ok) throw new Error(stream.message);
    let written = 0;
    const failing = stream.write(async (chunk) => {
      await Promise.resolve();
      // The head and the first page pass; the second page meets a client that has gone.
      if (written === 2) throw new Error('client gone');
      written += chunk.length > 0 ? 1 : 0;
    });
    await expect(failing).rejects.toThrow('client gone');
    const [audit] = await repos.audit.recent(1);
    expect(audit).toMatchObject({ action: 'export.groups', outcome: 'failed' });
    expect(JSON.parse(audit!.detail!)).toEqual({ format: 'geojson', rows: EXPORT_PAGE_SIZE, filters: {} });
  });

  it('gives the same GeoJSON streamed as the collection the whole crisis would make, bbox included', async () => {
    const service = new ExportService(repos, h3AreaIndex);
    const stream = await service.groups(coordinator(), 'geojson', {});
    if (!stream.ok) throw new Error(stream.message);
    const text = await exportBody(stream);
    expect(getIssues(text)).toEqual([]);
    const collection = JSON.parse(text) as { bbox: number[]; features: { properties: { id: string } }[] };
    expect(collection.features.map((f) => f.properties.id)).toEqual(ids);
    expect(collection.bbox).toEqual([12, 26, 12 + Math.floor((GROUPS - 1) / 500) / 10, 26 + 499 / 100]);
    const whole = groupsGeoJson(exportableGroups(coordinator(), await repos.groups.listByCrisis(crisisId)), await repos.agencies.list(), {
      hostCountry: 'LBY',
    });
    expect(collection).toEqual(whole);
  });
});

describe('group export routes on a 5,000-group crisis', () => {
  let server: TestServer;
  let cookie: string;
  let ids: string[];

  beforeAll(async () => {
    // SQLite on a file: the groups go in between a stop and a restart, through the server's own store.
    server = await startTestServer({ databaseUrl: null });
    await server.stop();
    const repos = await openStore({ databaseUrl: null, databaseFile: server.databaseFile });
    ids = await storeGroups(repos, server.crisisId, 5_000);
    await repos.close();
    await server.restart();
    const c = server.accounts.coordinator;
    cookie = await signIn(server.url, c.username, c.password);
  });
  afterAll(async () => {
    await server.destroy();
  });

  const get = (path: string) => fetch(`${server.url}${path}`, { headers: { cookie } });

  it('refuses a bad filter with a named error before anything is streamed', async () => {
    const response = await get(`${EXPORT_ROUTES.groupsCsv}?status=lost`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ ok: false, code: 'invalid' });
  });

  it('streams every group as CSV that parses whole (BOM first, no row count header) and as one valid GeoJSON FeatureCollection', async () => {
    // Both downloads first, the checks after: check-geojson holds the loop for seconds, long enough
    // for the server to close an idle keep-alive socket that fetch, its timers held up, would reuse.
    const csv = await get(EXPORT_ROUTES.groupsCsv);
    const csvBytes = new Uint8Array(await csv.arrayBuffer());
    const geo = await get(EXPORT_ROUTES.groupsGeoJson);
    const text = await geo.text();

    expect([csv.status, geo.status]).toEqual([200, 200]);
    expect(csv.headers.get('x-waymark-rows')).toBeNull();
    expect([...csvBytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new Set(csvIds(new TextDecoder().decode(csvBytes)))).toEqual(new Set(ids));

    expect(getIssues(text)).toEqual([]);
    const collection = JSON.parse(text) as { features: { properties: { id: string } }[]; bbox: number[] };
    expect(collection.features).toHaveLength(5_000);
    expect(new Set(collection.features.map((f) => f.properties.id))).toEqual(new Set(ids));
    expect(collection.bbox).toHaveLength(4);
  });
});
