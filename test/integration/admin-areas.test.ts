import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import {
  collectChanges,
  connectAs,
  expectOk,
  makeGroupInput,
  ownOrigin,
  reportCommand,
  sendCommand,
  signIn,
  waitForEvent,
  type ClientSocket,
} from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';
import { codFeature, collectionText, square } from '../support/boundaries';
import {
  ADMIN_AREA_ROUTES,
  AreaPreview,
  BOUNDARY_UPLOAD_TYPE,
  BoundaryLoadResult,
  BoundarySummary,
  type BoundaryFile,
} from '../../shared/schemas/admin-area.schema';
import { AreaFeatureCollection } from '../../shared/admin-areas/area-features';
import type { Group } from '../../shared/schemas/group.schema';

// Synthetic boundaries over the fixture crisis (Libya): West | East, East split at a meridian.
const WEST = { pcode: 'LYT1', name: 'West' };
const EAST = { pcode: 'LYT2', name: 'East' };
const adm1 = (): BoundaryFile => ({
  name: 'lby_admbnda_adm1.geojson',
  text: collectionText([
    codFeature(1, WEST.pcode, WEST.name, { type: 'Polygon', coordinates: [square(9, 19, 15, 34)] }, undefined, { ADM1_AR: 'الغرب' }),
    codFeature(1, EAST.pcode, EAST.name, { type: 'Polygon', coordinates: [square(15, 19, 26, 34)] }),
  ]),
});
/** Admin 2 with the border between the two eastern districts at `split` degrees east. */
const adm2 = (split: number): BoundaryFile => ({
  name: 'lby_admbnda_adm2.geojson',
  text: collectionText([
    codFeature(2, 'LYT101', 'Coast', { type: 'Polygon', coordinates: [square(9, 19, 15, 34)] }, WEST),
    codFeature(2, 'LYT201', 'Gulf', { type: 'Polygon', coordinates: [square(15, 19, split, 34)] }, EAST),
    codFeature(2, 'LYT202', 'Highlands', { type: 'Polygon', coordinates: [square(split, 19, 26, 34)] }, EAST),
  ]),
});

let server: TestServer;
let adminCookie: string;
let coordinatorCookie: string;
let coordinator: ClientSocket;
const sockets: ClientSocket[] = [];

async function post(cookie: string, body: unknown, crisisId = server.crisisId, type = BOUNDARY_UPLOAD_TYPE): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}${ADMIN_AREA_ROUTES.boundaries(crisisId)}`, {
    method: 'POST',
    headers: { cookie, 'content-type': type, ...ownOrigin(server.url) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
async function get(cookie: string, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}${path}`, { headers: { cookie } });
  return { status: res.status, body: await res.json() };
}
const problemsOf = (body: unknown) => AreaPreview.parse((body as { preview: unknown }).preview).problems.map((p) => p.code);

async function report(lat: number, lon: number): Promise<Group> {
  return expectOk(await sendCommand(coordinator, reportCommand(makeGroupInput({ location: { lat, lon, accuracyM: null, placeName: '', siteType: 'other' } }))))
    .group;
}

beforeAll(async () => {
  server = await startTestServer();
  const a = server.fixtureAccounts.admin!;
  const c = server.fixtureAccounts.coordinator!;
  adminCookie = await signIn(server.url, a.username, a.password);
  coordinatorCookie = await signIn(server.url, c.username, c.password);
  coordinator = await connectAs(server.url, coordinatorCookie);
  sockets.push(coordinator);
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await server.destroy();
});

describe('loading COD-AB boundaries', () => {
  let west: Group;
  let gulf: Group;
  let highlands: Group;

  it('stores groups without admin areas while the crisis has no boundaries', async () => {
    west = await report(32.89, 13.19);
    gulf = await report(32.1, 19.0);
    highlands = await report(31.0, 23.0);
    expect(west.admin).toEqual({ admin1: null, admin2: null });
  });

  it('previews a valid file without storing it: counts, names, no problems', async () => {
    const { status, body } = await post(adminCookie, { files: [adm1(), adm2(20)], dryRun: true });
    expect(status).toBe(200);
    const result = BoundaryLoadResult.parse(body);
    expect(result.committed).toBe(false);
    expect(result.preview.ok).toBe(true);
    expect(result.preview.levels).toEqual([
      { level: 1, count: 2, names: ['West', 'East'], withoutGeometry: 0 },
      { level: 2, count: 3, names: ['Coast', 'Gulf', 'Highlands'], withoutGeometry: 0 },
    ]);
    const summary = BoundarySummary.parse((await get(adminCookie, ADMIN_AREA_ROUTES.boundaries(server.crisisId))).body);
    expect(summary).toEqual({ set: null, areas: [] });
  });

  it('refuses invalid geometry by name and feature, and stores nothing', async () => {
    const unclosed = square(9, 19, 15, 34)
      .slice(0, 4)
      .concat([[9, 20]]);
    const bad: BoundaryFile = {
      name: 'bad.geojson',
      text: collectionText([
        codFeature(1, 'LYT1', 'West', { type: 'Polygon', coordinates: [unclosed] }),
        codFeature(1, 'LYT2', 'East', {
          type: 'LineString',
          coordinates: [
            [15, 19],
            [26, 34],
          ],
        }),
      ]),
    };
    const { status, body } = await post(adminCookie, { files: [bad] });
    expect(status).toBe(400);
    expect(body).toMatchObject({ ok: false, code: 'invalid' });
    // check-geojson finds the unclosed ring first and names its line; the file is not read further.
    const preview = AreaPreview.parse((body as { preview: unknown }).preview);
    expect(preview.problems[0]).toMatchObject({ code: 'bad_geometry', severity: 'error', file: 'bad.geojson' });
    expect(preview.problems[0]?.message).toMatch(/^line \d+: /);

    const line = await post(adminCookie, {
      files: [
        {
          name: 'line.geojson',
          text: collectionText([
            codFeature(1, 'LYT2', 'East', {
              type: 'LineString',
              coordinates: [
                [15, 19],
                [26, 34],
              ],
            }),
          ]),
        },
      ],
      dryRun: true,
    });
    expect(line.status).toBe(200);
    expect(AreaPreview.parse((line.body as { preview: unknown }).preview).problems).toEqual([
      expect.objectContaining({ code: 'not_polygon', feature: 0, pcode: 'LYT2', severity: 'error' }),
    ]);
    expect(BoundarySummary.parse((await get(adminCookie, ADMIN_AREA_ROUTES.boundaries(server.crisisId))).body).set).toBeNull();
  });

  it('refuses features without p-codes, and a file that is not JSON', async () => {
    const missing: BoundaryFile = {
      name: 'nopcode.geojson',
      text: collectionText([
        { type: 'Feature', properties: { ADM1_EN: 'West' }, geometry: { type: 'Polygon', coordinates: [square(9, 19, 15, 34)] } },
        codFeature(1, '', 'East', { type: 'Polygon', coordinates: [square(15, 19, 26, 34)] }),
      ]),
    };
    const { status, body } = await post(adminCookie, { files: [missing] });
    expect(status).toBe(400);
    expect(problemsOf(body)).toEqual(['missing_pcode', 'missing_pcode']);
    const notJson = await post(adminCookie, { files: [{ name: 'x.geojson', text: '{"type": "FeatureCollection", ' }] });
    expect(notJson.status).toBe(400);
    expect(problemsOf(notJson.body)).toEqual(['not_json']);
    expect(BoundarySummary.parse((await get(adminCookie, ADMIN_AREA_ROUTES.boundaries(server.crisisId))).body).set).toBeNull();
  });

  it('answers named errors for a non-admin, an unknown crisis, a malformed body and the wrong content type', async () => {
    expect(await post(coordinatorCookie, { files: [adm1()] })).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(await post(adminCookie, { files: [adm1()] }, uuidv7())).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect(await post(adminCookie, { files: [adm1()] }, 'not-a-crisis')).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect(await post(adminCookie, '{"files": [')).toMatchObject({ status: 400, body: { code: 'invalid' } });
    expect(await post(adminCookie, { files: [] })).toMatchObject({ status: 400, body: { code: 'invalid' } });
    expect(await post(adminCookie, { files: [adm1()] }, server.crisisId, 'application/json')).toMatchObject({ status: 400, body: { code: 'invalid' } });
  });

  it('stores valid boundaries, recomputes every group and sends the moved ones live as new versions', async () => {
    const received = collectChanges(coordinator);
    const arrived = waitForEvent(coordinator, 'change', (c) => c.kind === 'group.upsert' && c.group.group.id === highlands.id);
    const { status, body } = await post(adminCookie, { files: [adm1(), adm2(20)] });
    expect(status).toBe(200);
    expect(BoundaryLoadResult.parse(body)).toMatchObject({ committed: true, version: 1, groupsChanged: 3, groupsChecked: 3 });
    await arrived;
    const byId = new Map(received.flatMap((c) => (c.kind === 'group.upsert' && c.group.view === 'full' ? [[c.group.group.id, c.group.group] as const] : [])));
    expect(byId.get(west.id)?.admin).toEqual({ admin1: { pcode: 'LYT1', name: 'West' }, admin2: { pcode: 'LYT101', name: 'Coast' } });
    expect(byId.get(gulf.id)?.admin.admin2?.pcode).toBe('LYT201');
    expect(byId.get(highlands.id)?.admin.admin2?.pcode).toBe('LYT202');
    expect(byId.get(west.id)?.version).toBe(west.version + 1);
  });

  it('computes the admin areas of a group when its location is written', async () => {
    const fresh = await report(30.5, 24.5);
    expect(fresh.admin).toEqual({ admin1: { pcode: 'LYT2', name: 'East' }, admin2: { pcode: 'LYT202', name: 'Highlands' } });
    const moved = expectOk(
      await sendCommand(coordinator, {
        type: 'group.update',
        commandId: uuidv7(),
        groupId: fresh.id,
        baseVersion: fresh.version,
        patch: { location: { lat: 30.5, lon: 12, accuracyM: null, placeName: '', siteType: 'other', siteId: null } },
      }),
    ).group;
    expect(moved.admin.admin2?.pcode).toBe('LYT101');
  });

  it('recomputes on a change of boundaries: only groups that moved area get a new version', async () => {
    const before = await get(coordinatorCookie, `/api/groups/${west.id}`);
    const westVersion = (before.body as { group: { group: Group } }).group.group.version;
    const arrived = waitForEvent(coordinator, 'change', (c) => c.kind === 'group.upsert' && c.group.group.id === gulf.id);
    const { body } = await post(adminCookie, { files: [adm1(), adm2(18.5)] });
    // The border moved from 20 to 18.5 degrees east: the Gulf group (19.0) is now in the Highlands.
    expect(BoundaryLoadResult.parse(body)).toMatchObject({ committed: true, version: 2, groupsChanged: 1, groupsChecked: 4 });
    const change = await arrived;
    expect(change.kind === 'group.upsert' && change.group.view === 'full' && change.group.group.admin.admin2?.pcode).toBe('LYT202');
    const after = await get(coordinatorCookie, `/api/groups/${west.id}`);
    expect((after.body as { group: { group: Group } }).group.group.version).toBe(westVersion);
  });

  it('serves the boundaries for drawing to users of the crisis only', async () => {
    const { status, body } = await get(coordinatorCookie, ADMIN_AREA_ROUTES.drawable(server.crisisId));
    expect(status).toBe(200);
    const drawn = AreaFeatureCollection.parse(body);
    expect(drawn.version).toBe(2);
    expect(drawn.features.filter((f) => f.properties.kind === 'label').map((f) => f.properties.pcode)).toEqual(['LYT1', 'LYT2', 'LYT101', 'LYT201', 'LYT202']);
    expect(drawn.features.find((f) => f.properties.pcode === 'LYT1')?.properties.nameAr).toBe('الغرب');
    const other = server.fixtureAccounts.otherField!;
    const outsider = await signIn(server.url, other.username, other.password);
    expect(await get(outsider, ADMIN_AREA_ROUTES.drawable(server.crisisId))).toMatchObject({ status: 404, body: { code: 'not_found' } });
  });
});
