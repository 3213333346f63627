import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { CommandAck } from '../../shared/events';
import type { Command } from '../../shared/schemas/command.schema';
import { AgencyList, Timeline } from '../../shared/schemas/coordination.schema';
import type { Group } from '../../shared/schemas/group.schema';
import {
  ownOrigin,
  connectAs,
  expectOk,
  expectOkView,
  expectSnapshot,
  makeGroupInput,
  reportCommand,
  requestSync,
  sendCommand,
  signIn,
  waitForEvent,
  type ClientSocket,
} from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
let iomId: string;
const cookies = new Map<string, string>();
const sockets: ClientSocket[] = [];

async function cookieOf(account: 'coordinator' | 'secondCoordinator' | 'responder' | 'field'): Promise<string> {
  const credentials = server.fixtureAccounts[account];
  if (!credentials) throw new Error(`no fixture account ${account}`);
  return signIn(server.url, credentials.username, credentials.password);
}
async function connect(account: 'coordinator' | 'secondCoordinator' | 'responder' | 'field'): Promise<ClientSocket> {
  // Each call signs in again, so every socket has a session of its own.
  const cookie = await cookieOf(account);
  cookies.set(account, cookie);
  const socket = await connectAs(server.url, cookie);
  sockets.push(socket);
  return socket;
}
const get = (path: string, account = 'coordinator') => fetch(`${server.url}${path}`, { headers: { cookie: cookies.get(account) ?? '' } });

const assign = (group: Group, agencyId: string, note = 'bring 400 l'): Command => ({
  type: 'assignment.create',
  commandId: uuidv7(),
  groupId: group.id,
  baseVersion: group.version,
  assignment: { id: uuidv7(), needId: group.needs[0]!.id, agencyId, note, expectedBy: null },
});
const step = (group: Group, assignmentId: string, fields: Partial<Extract<Command, { type: 'assignment.update' }>>): Command => ({
  type: 'assignment.update',
  commandId: uuidv7(),
  groupId: group.id,
  baseVersion: group.assignments.find((a) => a.id === assignmentId)?.version ?? 1,
  assignmentId,
  ...fields,
});
const upsertOf = (socket: ClientSocket, groupId: string, check: (g: Group) => boolean) =>
  waitForEvent(socket, 'change', (c) => c.kind === 'group.upsert' && c.group.group.id === groupId && c.group.view === 'full' && check(c.group.group));
const okGroup = (ack: CommandAck): Group => expectOk(ack).group;

beforeAll(async () => {
  server = await startTestServer({ socketRate: { perSecond: 10_000, burst: 10_000 } });
  cookies.set('coordinator', await cookieOf('coordinator'));
  const agencies = AgencyList.parse(await (await get('/api/agencies')).json()).agencies;
  iomId = agencies.find((a) => a.acronym === 'IOM')?.id ?? expect.fail('no IOM');
  // Consulates are listed: they take consular needs (the assignment plan keeps them to those).
  expect(agencies.some((a) => a.type === 'consulate')).toBe(true);
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});
afterAll(async () => {
  await server.destroy();
});

describe('coordination workspace', () => {
  it('carries an assignment from one coordinator to the other and to the agency, and the agency steps back to both', async () => {
    const [field, coordA, coordB, responder] = await Promise.all([
      connect('field'),
      connect('coordinator'),
      connect('secondCoordinator'),
      connect('responder'),
    ]);
    const reported = okGroup(await sendCommand(field, reportCommand(makeGroupInput())));

    // Before the assignment the responder has only the anonymous point.
    const atB = upsertOf(coordB, reported.id, (g) => g.assignments.length === 1);
    const atResponder = upsertOf(responder, reported.id, (g) => g.assignments.length === 1);
    const assigned = okGroup(await sendCommand(coordA, assign(reported, iomId)));
    const assignment = assigned.assignments[0]!;
    expect(assignment).toMatchObject({ agencyId: iomId, status: 'proposed', note: 'bring 400 l', version: 1 });
    expect(assigned.needs[0]!.status).toBe('assigned');
    expect((await atB).kind).toBe('group.upsert');
    // The responder now sees the exact location (the full view) of its agency's work.
    const seen = await atResponder;
    expect(seen.kind === 'group.upsert' && seen.group.view === 'full' && seen.group.group.location.lat).toBe(reported.location.lat);

    const acceptedAtA = upsertOf(coordA, reported.id, (g) => g.assignments[0]?.status === 'accepted');
    const acceptedAtB = upsertOf(coordB, reported.id, (g) => g.assignments[0]?.status === 'accepted');
    const accepted = okGroup(await sendCommand(responder, step(assigned, assignment.id, { status: 'accepted' })));
    await Promise.all([acceptedAtA, acceptedAtB]);

    const doneAtA = upsertOf(coordA, reported.id, (g) => g.assignments[0]?.status === 'completed');
    const doneAtB = upsertOf(coordB, reported.id, (g) => g.assignments[0]?.status === 'completed');
    // The agency's work is done: it goes back to the anonymous point.
    const reducedAtResponder = waitForEvent(
      responder,
      'change',
      (c) => c.kind === 'group.upsert' && c.group.group.id === reported.id && c.group.view === 'reduced',
    );
    const doneAck = expectOkView(await sendCommand(responder, step(accepted, assignment.id, { status: 'completed', peopleReached: 12 })));
    // The ack is projected for the responder as it is now: no open work, so the point only.
    expect(doneAck.group?.view).toBe('reduced');
    const [doneChange] = await Promise.all([doneAtA, doneAtB, reducedAtResponder]);
    const done =
      doneChange.kind === 'group.upsert' && doneChange.group.view === 'full' ? doneChange.group.group : expect.fail('no full view at the coordinator');
    expect(done.assignments[0]).toMatchObject({ status: 'completed', peopleReached: 12, version: 3 });
    expect(done.needs[0]!.status).toBe('met');
  });

  it('gives exactly one of two concurrent edits of an assignment a conflict, with the current state', async () => {
    const [field, coordA, coordB] = await Promise.all([connect('field'), connect('coordinator'), connect('secondCoordinator')]);
    const reported = okGroup(await sendCommand(field, reportCommand(makeGroupInput())));
    const assigned = okGroup(await sendCommand(coordA, assign(reported, iomId)));
    const id = assigned.assignments[0]!.id;

    const acks = await Promise.all([
      sendCommand(coordA, step(assigned, id, { note: 'A: by noon' })),
      sendCommand(coordB, step(assigned, id, { status: 'cancelled' })),
    ]);
    const conflicts = acks.filter((a) => !a.ok && a.code === 'conflict');
    expect(conflicts).toHaveLength(1);
    expect(acks.filter((a) => a.ok)).toHaveLength(1);
    const conflict = conflicts[0]!;
    expect(!conflict.ok && conflict.current?.view).toBe('full');
  });

  it('refuses a second open assignment of one need (conflict), an assignment made by a responder and a decline without a reason; hands a declined need again', async () => {
    const [field, coord, responder] = await Promise.all([connect('field'), connect('coordinator'), connect('responder')]);
    const reported = okGroup(await sendCommand(field, reportCommand(makeGroupInput())));
    const assigned = okGroup(await sendCommand(coord, assign(reported, iomId)));
    const again = await sendCommand(coord, assign(assigned, iomId));
    expect(!again.ok && again.code).toBe('conflict');
    const create = await sendCommand(responder, assign(assigned, iomId));
    expect(!create.ok && create.code).toBe('forbidden');
    const decline = await sendCommand(responder, step(assigned, assigned.assignments[0]!.id, { status: 'declined' }));
    expect(!decline.ok && decline.code).toBe('invalid');
    const declinedAtCoord = upsertOf(coord, assigned.id, (g) => g.assignments[0]?.status === 'declined');
    // Declined: no open work left for the agency, so its ack carries the point only.
    expect(expectOkView(await sendCommand(responder, step(assigned, assigned.assignments[0]!.id, { status: 'declined', note: 'no truck' }))).group?.view).toBe(
      'reduced',
    );
    const declinedChange = await declinedAtCoord;
    const declined = declinedChange.kind === 'group.upsert' && declinedChange.group.view === 'full' ? declinedChange.group.group : expect.fail('no full view');
    expect(declined.needs[0]!.status).toBe('open');
    // A declined need is handed again by a new assignment.
    const reassigned = okGroup(await sendCommand(coord, assign(declined, iomId, 'second try')));
    expect(reassigned.assignments.map((a) => a.status)).toEqual(['declined', 'proposed']);
  });

  it('merges a duplicate report without adding its people to the kept group, both in the change log', async () => {
    const [field, coord] = await Promise.all([connect('field'), connect('coordinator')]);
    const kept = okGroup(await sendCommand(field, reportCommand(makeGroupInput({ headcount: { total: 20 } }))));
    const dup = okGroup(await sendCommand(field, reportCommand(makeGroupInput({ headcount: { total: 18 } }))));
    const logBefore = await server.countRows('change_log');
    const keptChanged = upsertOf(coord, kept.id, (g) => g.version === kept.version + 1);
    const ack = expectOk(
      await sendCommand(coord, {
        type: 'group.merge',
        commandId: uuidv7(),
        groupId: dup.id,
        baseVersion: dup.version,
        intoGroupId: kept.id,
        intoBaseVersion: kept.version,
      }),
    );
    expect(ack.group).toMatchObject({ id: dup.id, status: 'duplicate', mergedInto: kept.id });
    const keptAfter = await keptChanged;
    expect(keptAfter.kind === 'group.upsert' && keptAfter.group.view === 'full' && keptAfter.group.group.headcount.total).toBe(20);
    expect(await server.countRows('change_log')).toBe(logBefore + 2);

    const timeline = Timeline.parse(await (await get(`/api/groups/${kept.id}/timeline`)).json());
    expect(timeline.entries.map((e) => e.kind)).toEqual(['group.report', 'group.merge']);
    expect(timeline.entries[0]!.actor?.role).toBe('field');
  });

  it('gives another agency only the coarse point and not_found on the assignment, and the assigned agency the full view at snapshot', async () => {
    const admin = server.fixtureAccounts.admin ?? expect.fail('no admin');
    const adminCookie = await signIn(server.url, admin.username, admin.password);
    const post = (p: string, body: unknown) =>
      fetch(`${server.url}/api/admin${p}`, {
        method: 'POST',
        headers: { cookie: adminCookie, 'content-type': 'application/json', ...ownOrigin(server.url) },
        body: JSON.stringify(body),
      });
    expect((await post('/agencies', { name: 'UN Refugee Agency', acronym: 'UNHCR', type: 'un' })).status).toBe(201);
    const otherUser = { username: 'unhcr-responder', password: 'unhcr-password-1' };
    const created = await post('/users', { ...otherUser, role: 'responder', displayName: 'UNHCR responder', agency: 'UNHCR', crisisId: server.crisisId });
    expect(created.status).toBe(201);
    const other = await connectAs(server.url, await signIn(server.url, otherUser.username, otherUser.password));
    sockets.push(other);
    const [field, coord, responder] = await Promise.all([connect('field'), connect('coordinator'), connect('responder')]);

    const reported = okGroup(
      await sendCommand(
        field,
        reportCommand(makeGroupInput({ location: { lat: 32.8872, lon: 13.1913, accuracyM: 5, placeName: 'Exact', siteType: 'other' } })),
      ),
    );
    const atOther = waitForEvent(other, 'change', (c) => c.kind === 'group.upsert' && c.group.group.id === reported.id && c.group.group.version === 2);
    const assigned = okGroup(await sendCommand(coord, assign(reported, iomId)));
    const seen = await atOther;
    expect(seen.kind === 'group.upsert' && seen.group.view).toBe('reduced');
    expect(JSON.stringify(seen)).not.toContain('13.1913');

    const touch = await sendCommand(other, step(assigned, assigned.assignments[0]!.id, { status: 'accepted' }));
    expect(!touch.ok && touch.code).toBe('not_found');

    const mine = expectSnapshot(await requestSync(responder, null)).groups.find((v) => v.group.id === reported.id);
    expect(mine?.view === 'full' && mine.group.location.lon).toBe(13.1913);
    const theirs = expectSnapshot(await requestSync(other, null)).groups.find((v) => v.group.id === reported.id);
    expect(theirs?.view).toBe('reduced');
  });

  it('exports 3W as CSV with HXL hashtags, for coordinators only', async () => {
    const csv = await (await get('/api/exports/3w.csv')).text();
    const lines = csv.split('\r\n');
    expect(lines[1]).toMatch(/^#org\+impl\+name,#org\+impl\+type,#sector\+cluster,#activity\+name,#country\+code,#adm1\+name/);
    expect(lines.some((l) => l.startsWith('IOM,un,wash,water,'))).toBe(true);
    cookies.set('responder', await cookieOf('responder'));
    expect((await get('/api/exports/3w.csv', 'responder')).status).toBe(403);
    expect((await get('/api/groups/00000000-0000-7000-8000-000000000000/timeline', 'responder')).status).toBe(403);
  });
});
