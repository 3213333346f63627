import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_AREA_ROUTES, BOUNDARY_UPLOAD_TYPE, BoundaryLoadResult, type BoundaryFile } from '../../shared/schemas/admin-area.schema';
import { AreaFeatureCollection } from '../../shared/admin-areas/area-features';
import { area, codFeature, collectionText, square } from '../support/boundaries';
import { connectAs, ownOrigin, signIn, type ClientSocket } from '../support/clients';
import { startTestServer, type FixtureAccount, type TestServer } from '../support/server';

// After a boundary load every connected map of the crisis hears `boundariesChanged` with the new
// version (and nothing else), and fetches the boundaries again. Loaded through the admin screen's
// route, the loading process says so at once; loaded by another process (the admin command writes
// the database directly), the server's sweep finds the new version.

const adm1 = (west: string): BoundaryFile => ({
  name: 'adm1.geojson',
  text: collectionText([
    codFeature(1, 'LYL1', west, { type: 'Polygon', coordinates: [square(9, 19, 15, 34)] }),
    codFeature(1, 'LYL2', 'East', { type: 'Polygon', coordinates: [square(15, 19, 26, 34)] }),
  ]),
});

let server: TestServer;
const sockets = new Map<FixtureAccount, ClientSocket>();
const cookies = new Map<FixtureAccount, string>();
/** Every `boundariesChanged` each socket received, with its argument list. */
const heard = new Map<FixtureAccount, unknown[][]>();
const ON_CRISIS = ['coordinator', 'field', 'responder', 'embassy'] as const;

beforeAll(async () => {
  server = await startTestServer();
  for (const who of [...ON_CRISIS, 'otherField', 'admin'] as const) {
    const a = server.fixtureAccounts[who]!;
    cookies.set(who, await signIn(server.url, a.username, a.password));
    if (who === 'admin') continue;
    const socket = await connectAs(server.url, cookies.get(who)!);
    heard.set(who, []);
    socket.on('boundariesChanged', (...args: unknown[]) => heard.get(who)!.push(args));
    sockets.set(who, socket);
  }
});
afterAll(async () => {
  for (const s of sockets.values()) s.close();
  await server.destroy();
});

/** Resolves once every socket of `who` heard `version` (the sweep runs every second). */
async function heardBy(who: readonly FixtureAccount[], version: number): Promise<void> {
  for (let i = 0; i < 100 && !who.every((w) => heard.get(w)!.some((args) => args[0] === version)); i++) await new Promise((r) => setTimeout(r, 50));
}

describe('boundaries redraw live', () => {
  it('tells every connection of the crisis the new version after a load from the admin screen, and nobody else', async () => {
    const res = await fetch(`${server.url}${ADMIN_AREA_ROUTES.boundaries(server.crisisId)}`, {
      method: 'POST',
      headers: { cookie: cookies.get('admin')!, 'content-type': BOUNDARY_UPLOAD_TYPE, ...ownOrigin(server.url) },
      body: JSON.stringify({ files: [adm1('West')] }),
    });
    expect(BoundaryLoadResult.parse(await res.json())).toMatchObject({ committed: true, version: 1 });
    await heardBy(ON_CRISIS, 1);
    // The version alone: no area, no name, no group.
    for (const who of ON_CRISIS) expect(heard.get(who), who).toEqual([[1]]);
    expect(heard.get('otherField')).toEqual([]);
    // What a map fetches on hearing it is the new version.
    const drawn = await fetch(`${server.url}${ADMIN_AREA_ROUTES.ownDrawable}`, { headers: { cookie: cookies.get('coordinator')! } });
    expect(AreaFeatureCollection.parse(await drawn.json()).version).toBe(1);
  });

  it('finds a load made by another process (the admin command) at the next sweep', async () => {
    const repos = server.repositories;
    await repos.adminAreas.replace(server.crisisId, [area('LYL1', 1, { type: 'Polygon', coordinates: [square(9, 19, 16, 34)] }, null, 'West')], {
      source: 'adm1.geojson',
      synthetic: false,
      loadedAt: new Date().toISOString(),
      loadedBy: null,
    });
    await heardBy(ON_CRISIS, 2);
    for (const who of ON_CRISIS) expect(heard.get(who), who).toEqual([[1], [2]]);
    expect(heard.get('otherField')).toEqual([]);
  });
});
