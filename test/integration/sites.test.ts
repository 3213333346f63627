import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { CommandAck } from '../../shared/events';
import type { Command } from '../../shared/schemas/command.schema';
import type { Site, SiteInput, SitePatch, SiteReport } from '../../shared/schemas/site.schema';
import { siteAlerts } from '../../shared/sites';
import { collectChanges, connectFixture, expectChanges, expectSnapshot, requestSync, sendCommand, waitForEvent, type ClientSocket } from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';
import { area, square } from '../support/boundaries';

// Sites (issue 20) through the real server, on the engine the run asks for (SQLite, or PostgreSQL
// in the integration-postgres project): commands, the field report's order, live delivery, catch-up
// and what each role receives.
let server: TestServer;
const sockets: Partial<Record<'coordinator' | 'secondCoordinator' | 'field' | 'embassy' | 'responder' | 'otherField', ClientSocket>> = {};
const socket = (who: keyof typeof sockets): ClientSocket => sockets[who] ?? expect.fail(`${who} is not connected`);

beforeAll(async () => {
  server = await startTestServer();
  // Two admin 1 areas side by side, so that a site's area is computed on create and again when it moves.
  await server.repositories.adminAreas.replace(
    server.crisisId,
    [area('LY01', 1, { type: 'Polygon', coordinates: [square(10, 30, 15, 35)] }), area('LY02', 1, { type: 'Polygon', coordinates: [square(15, 30, 20, 35)] })],
    { source: 'adm1.geojson', synthetic: false, loadedAt: new Date().toISOString(), loadedBy: null },
  );
  for (const who of ['coordinator', 'secondCoordinator', 'field', 'embassy', 'responder', 'otherField'] as const)
    sockets[who] = await connectFixture(server, who);
});
afterAll(async () => {
  for (const s of Object.values(sockets)) s.close();
  await server.destroy();
});

const createCommand = (site: Partial<SiteInput> = {}): Command =>
  ({
    type: 'site.create',
    commandId: uuidv7(),
    site: {
      id: uuidv7(),
      type: 'shelter',
      name: 'École Al Nour',
      location: { lat: 32.88, lon: 13.19, placeName: 'Tripoli' },
      capacity: 100,
      occupancy: 40,
      ...site,
    },
  }) as Command;
const updateCommand = (siteId: string, baseVersion: number, patch: SitePatch): Command => ({
  type: 'site.update',
  commandId: uuidv7(),
  siteId,
  baseVersion,
  patch,
});
const reportCommand = (siteId: string, report: SiteReport): Command => ({ type: 'site.report', commandId: uuidv7(), siteId, report });

function okSite(ack: CommandAck): { seq: number; site: Site } {
  if (!ack.ok) return expect.fail(`command refused: ${ack.code} ${ack.message}`);
  if (!ack.site) return expect.fail('the ack carries no site');
  return { seq: ack.seq, site: ack.site };
}
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

describe('sites', () => {
  it('a coordinator creates a site: both coordinators and every role of the crisis get it live, with its admin area computed', async () => {
    const arrivals = (['secondCoordinator', 'field', 'embassy', 'responder'] as const).map((who) =>
      waitForEvent(socket(who), 'change', (c) => c.kind === 'site.upsert' && c.site.name === 'Live shelter'),
    );
    const other = collectChanges(socket('otherField'));
    const created = okSite(await sendCommand(socket('coordinator'), createCommand({ name: 'Live shelter', services: ['water', 'food', 'water'] })));
    expect(created.site).toMatchObject({ version: 1, status: 'open', occupancy: 40, capacity: 100, services: ['food', 'water'] });
    expect(created.site.lastVerifiedBy).not.toBeNull();
    expect(created.site.admin).toEqual({ admin1: { pcode: 'LY01', name: 'Area LY01' }, admin2: null });
    const [second, field, embassy, responder] = await Promise.all(arrivals);
    expect(second).toEqual({ kind: 'site.upsert', seq: created.seq, site: created.site });
    // Staff identity and the tally of recorded groups stay with coordinators; everything else about the place reaches everyone.
    for (const event of [field, embassy, responder])
      expect(event).toEqual({ kind: 'site.upsert', seq: created.seq, site: { ...created.site, lastVerifiedBy: null, linked: null } });
    await requestSync(socket('otherField'), null); // barrier
    expect(other.filter((c) => c.kind === 'site.upsert')).toEqual([]);
  });

  it('answers a repeated command id with the first result and changes nothing', async () => {
    const command = createCommand({ name: 'Retried' });
    const first = okSite(await sendCommand(socket('coordinator'), command));
    const head = await server.countRows('change_log');
    const again = okSite(await sendCommand(socket('coordinator'), command));
    expect(again).toEqual(first);
    expect(await server.countRows('change_log')).toBe(head);
  });

  it('refuses what a role may not do, bad input, and a site of another crisis, with named errors', async () => {
    const created = okSite(await sendCommand(socket('coordinator'), createCommand()));
    expect(await sendCommand(socket('field'), createCommand())).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await sendCommand(socket('embassy'), reportCommand(created.site.id, { status: 'open', occupancy: 3, observedAt: minutesAgo(1) }))).toMatchObject({
      ok: false,
      code: 'forbidden',
    });
    expect(await sendCommand(socket('coordinator'), createCommand({ capacity: -1 }))).toMatchObject({ ok: false, code: 'invalid' });
    expect(await sendCommand(socket('coordinator'), createCommand({ operatingAgencyId: uuidv7() }))).toMatchObject({ ok: false, code: 'invalid' });
    expect(await sendCommand(socket('otherField'), reportCommand(created.site.id, { status: 'open', occupancy: 3, observedAt: minutesAgo(1) }))).toMatchObject({
      ok: false,
      code: 'not_found',
    });
    expect(await sendCommand(socket('coordinator'), updateCommand(created.site.id, created.site.version + 5, { capacity: 5 }))).toMatchObject({
      ok: false,
      code: 'conflict',
      currentSite: created.site,
    });
  });

  it("a coordinator's edit moves the site, marks it verified, and a stale base version conflicts", async () => {
    const created = okSite(await sendCommand(socket('coordinator'), createCommand()));
    const edited = okSite(
      await sendCommand(
        socket('secondCoordinator'),
        updateCommand(created.site.id, 1, { status: 'unsafe', location: { lat: 31.2, lon: 16.5, placeName: 'Sirte' }, verified: true }),
      ),
    );
    expect(edited.site).toMatchObject({ version: 2, status: 'unsafe', location: { lat: 31.2, lon: 16.5 }, admin: { admin1: { pcode: 'LY02' } } });
    expect(edited.site.occupancyReportedAt).not.toBe(created.site.occupancyReportedAt);
    // People in an unsafe site: the coordinator's alert.
    expect(siteAlerts(edited.site)).toEqual(['unsafe_occupied']);
    expect(await sendCommand(socket('coordinator'), updateCommand(created.site.id, 1, { name: 'late' }))).toMatchObject({ ok: false, code: 'conflict' });
  });

  it("a field team's report applies when observed after the site's last observation; a stale offline one is refused and changes nothing", async () => {
    const created = okSite(await sendCommand(socket('coordinator'), createCommand({ occupancy: 10 })));
    const newer = okSite(
      await sendCommand(socket('field'), reportCommand(created.site.id, { status: 'full', occupancy: 100, observedAt: new Date().toISOString() })),
    );
    expect(newer.site).toMatchObject({ status: 'full', occupancy: 100, version: 2 });
    // Made offline an hour ago, synced now: older than what is on record.
    const stale = await sendCommand(socket('field'), reportCommand(created.site.id, { status: 'open', occupancy: 20, observedAt: minutesAgo(60) }));
    expect(stale).toMatchObject({ ok: false, code: 'conflict', currentSite: { occupancy: 100, status: 'full', version: 2 } });
    // A phone clock a day ahead would win over every true report after it.
    const future = await sendCommand(
      socket('field'),
      reportCommand(created.site.id, { status: 'open', occupancy: 1, observedAt: new Date(Date.now() + 86_400_000).toISOString() }),
    );
    expect(future).toMatchObject({ ok: false, code: 'invalid' });
    const snapshot = expectSnapshot(await requestSync(socket('coordinator'), null));
    expect(snapshot.sites.find((s) => s.id === created.site.id)).toMatchObject({ occupancy: 100, status: 'full', version: 2 });
  });

  it('a reconnecting client catches up on site changes by sequence number, and a snapshot (plain or packed) holds the sites', async () => {
    const before = expectSnapshot(await requestSync(socket('embassy'), null)).seq;
    const created = okSite(await sendCommand(socket('coordinator'), createCommand({ name: 'Caught up' })));
    const reported = okSite(
      await sendCommand(socket('field'), reportCommand(created.site.id, { status: 'open', occupancy: 55, observedAt: new Date().toISOString() })),
    );
    const catchUp = expectChanges(await requestSync(socket('embassy'), before));
    // One upsert per site, its latest state, at the seq of its last change.
    expect(catchUp.changes.filter((c) => c.kind === 'site.upsert' && c.site.id === created.site.id)).toEqual([
      { kind: 'site.upsert', seq: reported.seq, site: { ...reported.site, lastVerifiedBy: null, linked: null } },
    ]);
    const packed = await requestSync(socket('embassy'), null, true);
    if (!packed.ok || packed.mode !== 'packed') return expect.fail('expected a packed snapshot');
    expect(packed.sites.find((s) => s.id === created.site.id)).toEqual({ ...reported.site, lastVerifiedBy: null, linked: null });
  });
});
