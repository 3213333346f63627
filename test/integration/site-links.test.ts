import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { CommandAck } from '../../shared/events';
import type { Command } from '../../shared/schemas/command.schema';
import type { Group, GroupInput } from '../../shared/schemas/group.schema';
import type { Site, SiteLinked } from '../../shared/schemas/site.schema';
import { RETENTION_ROUTES } from '../../shared/schemas/retention.schema';
import {
  collectChanges,
  connectFixture,
  expectOk,
  makeGroupInput,
  ownOrigin,
  reportCommand,
  requestSync,
  sendCommand,
  signIn,
  statusCommand,
  updateCommand,
  waitForEvent,
  type ClientSocket,
} from '../support/clients';
import { startTestServer, FIXTURE_OTHER_CRISIS_NAME, type TestServer } from '../support/server';
import { makeSite } from '../support/factories';

// Groups at sites (issue 20) through the real server, on the engine the run asks for (SQLite, or
// PostgreSQL in the integration-postgres project): a group's link, the site's tally of recorded
// groups kept in the same commit as the group's change, published live, and `site_unknown`.
let server: TestServer;
let coordinator: ClientSocket;
let secondCoordinator: ClientSocket;
let field: ClientSocket;
let coordinatorCookie: string;

beforeAll(async () => {
  server = await startTestServer();
  coordinator = await connectFixture(server, 'coordinator');
  secondCoordinator = await connectFixture(server, 'secondCoordinator');
  field = await connectFixture(server, 'field');
  const creds = server.fixtureAccounts.coordinator ?? expect.fail('no fixture coordinator');
  coordinatorCookie = await signIn(server.url, creds.username, creds.password);
});
afterAll(async () => {
  for (const s of [coordinator, secondCoordinator, field]) s.close();
  await server.destroy();
});

function okSite(ack: CommandAck): Site {
  if (!ack.ok || !ack.site) return expect.fail(`site command refused: ${JSON.stringify(ack)}`);
  return ack.site;
}

async function createSite(name: string): Promise<Site> {
  const command = {
    type: 'site.create',
    commandId: uuidv7(),
    site: { id: uuidv7(), type: 'shelter', name, location: { lat: 32.88, lon: 13.19, placeName: 'Tripoli' }, capacity: 100, occupancy: 40 },
  } as Command;
  return okSite(await sendCommand(coordinator, command));
}

const atSite = (siteId: string | null, total: number, extra: Partial<GroupInput> = {}): GroupInput =>
  makeGroupInput({
    location: { lat: 32.881, lon: 13.191, accuracyM: 10, placeName: 'Shelter yard', siteType: 'collective_centre', siteId },
    headcount: { total },
    nationalities: [],
    needs: [],
    ...extra,
  });

/** The site as a second coordinator receives it live: the change that carries `linked` as expected. */
const liveTally = (siteId: string, linked: SiteLinked) =>
  waitForEvent(
    secondCoordinator,
    'change',
    (c) => c.kind === 'site.upsert' && c.site.id === siteId && c.site.linked?.groups === linked.groups && c.site.linked.people === linked.people,
  );

/** The site as stored, after checking its maintained tally against the indexed recount of its groups. */
async function stored(siteId: string): Promise<Site> {
  const site = (await server.repositories.sites.findById(siteId)) ?? expect.fail('site missing');
  expect(site.linked, 'the tally kept with each change equals the recount').toEqual(await server.repositories.groups.linkedAtSite(siteId));
  return site;
}

describe('groups at sites', () => {
  it('a field report linked to a site adds its people to the tally, published to coordinators in the same batch as the group', async () => {
    const site = await createSite('Linked shelter');
    expect(site.linked).toEqual({ groups: 0, people: 0 });
    const live = liveTally(site.id, { groups: 1, people: 9 });
    const fieldChanges = collectChanges(field);
    const reported = expectOk(await sendCommand(field, reportCommand(atSite(site.id, 9))));
    expect(reported.group.location.siteId).toBe(site.id);
    const change = await live;
    expect(change.kind === 'site.upsert' && change.site.version).toBe(site.version + 1);
    expect((await stored(site.id)).linked).toEqual({ groups: 1, people: 9 });
    // A field phone gets the site's new version without the tally (it may not see other teams' counts).
    await requestSync(field, null);
    const fieldSite = fieldChanges.find((c) => c.kind === 'site.upsert' && c.site.id === site.id);
    expect(fieldSite?.kind === 'site.upsert' && fieldSite.site.linked).toBeNull();
  });

  it('moving a group between sites moves its people from one tally to the other, and a headcount edit follows', async () => {
    const a = await createSite('Shelter A');
    const b = await createSite('Shelter B');
    const group = expectOk(await sendCommand(coordinator, reportCommand(atSite(a.id, 12))));
    expect((await stored(a.id)).linked).toEqual({ groups: 1, people: 12 });

    const leftA = liveTally(a.id, { groups: 0, people: 0 });
    const joinedB = liveTally(b.id, { groups: 1, people: 12 });
    const moved = expectOk(
      await sendCommand(coordinator, updateCommand(group.group.id, group.group.version, { location: { ...group.group.location, siteId: b.id } })),
    );
    await Promise.all([leftA, joinedB]);

    const grown = liveTally(b.id, { groups: 1, people: 20 });
    const edited = expectOk(
      await sendCommand(coordinator, updateCommand(moved.group.id, moved.group.version, { headcount: { ...moved.group.headcount, total: 20 } })),
    );
    await grown;

    // Closing the group takes it out of the count; its link stays, as history.
    const left = liveTally(b.id, { groups: 0, people: 0 });
    const closed = expectOk(await sendCommand(coordinator, statusCommand(edited.group.id, edited.group.version, 'closed')));
    await left;
    expect(closed.group.location.siteId).toBe(b.id);
    expect((await stored(a.id)).linked).toEqual({ groups: 0, people: 0 });
  });

  it('a merge takes the duplicate out of its site, counted once in the group kept', async () => {
    const site = await createSite('Merge shelter');
    const kept = expectOk(await sendCommand(coordinator, reportCommand(atSite(site.id, 10))));
    const duplicate = expectOk(await sendCommand(field, reportCommand(atSite(site.id, 8))));
    expect((await stored(site.id)).linked).toEqual({ groups: 2, people: 18 });
    const after = liveTally(site.id, { groups: 1, people: 10 });
    const merge: Command = {
      type: 'group.merge',
      commandId: uuidv7(),
      groupId: duplicate.group.id,
      baseVersion: duplicate.group.version,
      intoGroupId: kept.group.id,
      intoBaseVersion: kept.group.version,
    };
    expectOk(await sendCommand(coordinator, merge));
    await after;
  });

  it('an erasure takes the group out of its site, and the site change published names no group', async () => {
    const site = await createSite('Erasure shelter');
    const group: Group = expectOk(await sendCommand(coordinator, reportCommand(atSite(site.id, 6)))).group;
    const after = liveTally(site.id, { groups: 0, people: 0 });
    const res = await fetch(`${server.url}${RETENTION_ROUTES.erase(group.id)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: coordinatorCookie, ...ownOrigin(server.url) },
      body: JSON.stringify({ reason: 'person_request' }),
    });
    expect(res.status).toBe(200);
    const change = await after;
    expect(JSON.stringify(change)).not.toContain(group.id);
    expect((await stored(site.id)).linked).toEqual({ groups: 0, people: 0 });
  });

  it('refuses a site that does not exist or belongs to another crisis with the named issue site_unknown, and changes nothing', async () => {
    const other = (await server.repositories.crises.list()).find((c) => c.name === FIXTURE_OTHER_CRISIS_NAME) ?? expect.fail('no other crisis');
    const foreign = makeSite({ crisisId: other.id, linked: { groups: 0, people: 0 } });
    await server.repositories.sites.insert(foreign);
    const groupsBefore = await server.countRows('groups');
    const headBefore = await server.repositories.changeLog.headSeq();
    for (const siteId of [uuidv7(), foreign.id]) {
      const ack = await sendCommand(field, reportCommand(atSite(siteId, 5)));
      expect(ack).toMatchObject({ ok: false, code: 'invalid', issues: [{ path: ['location', 'siteId'], code: 'site_unknown' }] });
    }
    const site = await createSite('Edit target');
    const group = expectOk(await sendCommand(coordinator, reportCommand(atSite(null, 5))));
    const headMid = await server.repositories.changeLog.headSeq();
    const ack = await sendCommand(
      coordinator,
      updateCommand(group.group.id, group.group.version, { location: { ...group.group.location, siteId: foreign.id } }),
    );
    expect(ack).toMatchObject({ ok: false, code: 'invalid', issues: [{ path: ['location', 'siteId'], code: 'site_unknown' }] });
    expect(await server.repositories.changeLog.headSeq()).toBe(headMid);
    expect(await server.countRows('groups')).toBe(groupsBefore + 1);
    expect(headMid).toBe(headBefore + 2);
    expect((await stored(foreign.id)).linked).toEqual({ groups: 0, people: 0 });
    expect((await stored(site.id)).linked).toEqual({ groups: 0, people: 0 });
  });

  it('keeps the link to a site that closed since, and counts the group there (a closed site with people raises an alert)', async () => {
    const site = await createSite('Closing shelter');
    const group = expectOk(await sendCommand(coordinator, reportCommand(atSite(site.id, 4))));
    const current = await stored(site.id);
    okSite(
      await sendCommand(coordinator, { type: 'site.update', commandId: uuidv7(), siteId: site.id, baseVersion: current.version, patch: { status: 'closed' } }),
    );
    const edited = expectOk(await sendCommand(coordinator, updateCommand(group.group.id, group.group.version, { notes: 'still here' })));
    expect(edited.group.location.siteId).toBe(site.id);
    expect((await stored(site.id)).linked).toEqual({ groups: 1, people: 4 });
  });

  it("a coordinator's verification of a site recounts its recorded groups from the index, setting a drifted tally right", async () => {
    const site = await createSite('Recount shelter');
    expectOk(await sendCommand(coordinator, reportCommand(atSite(site.id, 8))));
    const current = await stored(site.id);
    // A tally gone wrong (as a write path that forgot it would leave it).
    await server.repositories.sites.update({ ...current, linked: { groups: 5, people: 99 }, version: current.version + 1 });
    const verified = okSite(
      await sendCommand(coordinator, {
        type: 'site.update',
        commandId: uuidv7(),
        siteId: site.id,
        baseVersion: current.version + 1,
        patch: { verified: true },
      }),
    );
    expect(verified.linked).toEqual({ groups: 1, people: 8 });
    await stored(site.id);
  });

  it('a movement that arrives takes its evacuated groups out of the site they left, in the same commit', async () => {
    const site = await createSite('Departure shelter');
    const reported = expectOk(await sendCommand(coordinator, reportCommand(atSite(site.id, 6, { consentConsulate: 'yes' }))));
    const group = expectOk(await sendCommand(coordinator, statusCommand(reported.group.id, reported.group.version, 'verified'))).group;
    expect((await stored(site.id)).linked).toEqual({ groups: 1, people: 6 });
    const movementId = uuidv7();
    const legId = uuidv7();
    const place = { name: 'Tripoli port', lat: 32.9, lon: 13.2 };
    const send = async (command: Command) => {
      const ack = await sendCommand(coordinator, command);
      if (!ack.ok) expect.fail(`${command.type} refused: ${ack.code} ${ack.message}`);
      return ack;
    };
    await send({
      type: 'movement.create',
      commandId: uuidv7(),
      movement: {
        id: movementId,
        kind: 'evacuation_to_origin',
        mode: 'bus',
        carrierAgencyId: null,
        seats: 10,
        destinationCountry: null,
        notes: '',
        legs: [
          {
            id: legId,
            from: { siteId: site.id, place },
            to: { siteId: null, place: { ...place, name: 'Ras Ajdir' } },
            plannedDeparture: null,
            plannedArrival: null,
          },
        ],
      },
    } as Command);
    await send({ type: 'movement.addGroup', commandId: uuidv7(), movementId, baseVersion: 1, groupId: group.id, consentToMove: true } as Command);
    // Check-in opens once the leg is confirmed; the group boards before the bus leaves.
    for (const status of ['confirmed', 'boarding'] as const) await send({ type: 'movement.setLegStatus', commandId: uuidv7(), movementId, legId, status });
    for (const state of ['checked_in', 'boarded'] as const) await send({ type: 'movement.checkIn', commandId: uuidv7(), movementId, groupId: group.id, state });
    await send({ type: 'movement.setLegStatus', commandId: uuidv7(), movementId, legId, status: 'departed' });
    const left = liveTally(site.id, { groups: 0, people: 0 });
    await send({ type: 'movement.setLegStatus', commandId: uuidv7(), movementId, legId, status: 'arrived' });
    await left;
    const after = await server.repositories.groups.findById(group.id);
    expect(after?.status).toBe('evacuated');
    expect(after?.location.siteId).toBe(site.id);
    expect((await stored(site.id)).linked).toEqual({ groups: 0, people: 0 });
  });
});
