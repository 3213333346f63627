import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countersOf } from '../../shared/counters';
import { EXPORT_ROUTES, Sitrep } from '../../shared/exports/export.schema';
import { OPEN_STATUSES } from '../../shared/group-status';
import type { Command } from '../../shared/schemas/command.schema';
import { AgencyList, COORDINATION_ROUTES } from '../../shared/schemas/coordination.schema';
import type { Group } from '../../shared/schemas/group.schema';
import {
  connectAs,
  expectOk,
  expectSnapshot,
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
import { startTestServer, type TestServer } from '../support/server';

// The loop closed end to end with real clients: a responder completing a group's last need makes
// the group assisted on the coordinator's screen, and every counter agrees at once.
let server: TestServer;
let coordinator: ClientSocket;
let responder: ClientSocket;
let coordinatorCookie: string;
let iomId: string;

const get = (path: string) => fetch(`${server.url}${path}`, { headers: { cookie: coordinatorCookie, ...ownOrigin(server.url) } });
const step = (group: Group, index: number, fields: Partial<Extract<Command, { type: 'assignment.update' }>>): Command => {
  const a = group.assignments[index]!;
  return { type: 'assignment.update', commandId: uuidv7(), groupId: group.id, baseVersion: a.version, assignmentId: a.id, ...fields };
};
const assign = (group: Group, needIndex: number): Command => ({
  type: 'assignment.create',
  commandId: uuidv7(),
  groupId: group.id,
  baseVersion: group.version,
  assignment: { id: uuidv7(), needId: group.needs[needIndex]!.id, agencyId: iomId, note: '', expectedBy: null },
});
/** The coordinator's screen receiving the group at a status. */
const seenAt = (groupId: string, status: Group['status']) =>
  waitForEvent(
    coordinator,
    'change',
    (c) => c.kind === 'group.upsert' && c.group.view === 'full' && c.group.group.id === groupId && c.group.group.status === status,
  );

const fullOf = (change: Awaited<ReturnType<typeof seenAt>>): Group => {
  if (change.kind !== 'group.upsert' || change.group.view !== 'full') throw new Error('expected the full group');
  return change.group.group;
};

beforeAll(async () => {
  server = await startTestServer({ socketRate: { perSecond: 10_000, burst: 10_000 } });
  const sign = async (key: 'coordinator' | 'responder') => signIn(server.url, server.fixtureAccounts[key]!.username, server.fixtureAccounts[key]!.password);
  coordinatorCookie = await sign('coordinator');
  coordinator = await connectAs(server.url, coordinatorCookie);
  responder = await connectAs(server.url, await sign('responder'));
  iomId = AgencyList.parse(await (await get(COORDINATION_ROUTES.agencies)).json()).agencies.find((a) => a.acronym === 'IOM')!.id;
});
afterAll(async () => {
  coordinator.close();
  responder.close();
  await server.destroy();
});

describe('loop closure', () => {
  it('makes a group assisted when its last need is met, counts it so everywhere, and lets a coordinator undo it', async () => {
    const input = makeGroupInput({
      headcount: { total: 20 },
      nationalities: [{ code: 'NGA', count: 20 }],
      needs: [
        { id: uuidv7(), type: 'water', severity: 4, people: 20 },
        { id: uuidv7(), type: 'food', severity: 3, people: 12 },
      ],
    });
    let group = expectOk(await sendCommand(coordinator, reportCommand(input))).group;
    group = expectOk(await sendCommand(coordinator, assign(group, 0))).group;
    group = expectOk(await sendCommand(coordinator, assign(group, 1))).group;
    expect(group.status).toBe('reported');

    // An agency taking the work on: the group is in progress on the coordinator's screen.
    const inProgress = seenAt(group.id, 'assistance_in_progress');
    expectOk(await sendCommand(responder, step(group, 0, { status: 'accepted' })));
    group = fullOf(await inProgress);
    group = expectOk(await sendCommand(responder, step(group, 0, { status: 'completed', peopleReached: 20 }))).group;
    expect(group.status).toBe('assistance_in_progress');
    group = expectOk(await sendCommand(responder, step(group, 1, { status: 'accepted' }))).group;

    // The last need met by the responder: the coordinator sees the group assisted, every need met.
    const assisted = seenAt(group.id, 'assisted');
    expect((await sendCommand(responder, step(group, 1, { status: 'completed', peopleReached: 12 }))).ok).toBe(true);
    group = fullOf(await assisted);
    expect(group.needs.map((n) => n.status)).toEqual(['met', 'met']);

    // The counters agree: the coordinator's (from the snapshot) and the situation report's.
    const held = expectSnapshot(await requestSync(coordinator, null)).groups.flatMap((v) => (v.view === 'full' ? [v.group] : []));
    const sitrep = Sitrep.parse(await (await get(EXPORT_ROUTES.sitrep)).json());
    expect(countersOf(held).assisted).toBe(20);
    expect(sitrep.figures.assisted).toBe(20);
    expect(sitrep.figures.openGroups).toBe(held.filter((g) => OPEN_STATUSES.includes(g.status)).length);
    expect(held.find((g) => g.id === group.id)?.status).toBe('assisted');

    // The undo: the coordinator reopens it, and a later edit of finished work does not close it again.
    group = expectOk(await sendCommand(coordinator, statusCommand(group.id, group.version, 'assistance_in_progress'))).group;
    // (The coordinator corrects the reach: the responder, its work done, no longer sees the group in full.)
    group = expectOk(await sendCommand(coordinator, step(group, 1, { peopleReached: 13 }))).group;
    expect(group.assignments[1]!.peopleReached).toBe(13);
    expect(group.status).toBe('assistance_in_progress');
    expect(Sitrep.parse(await (await get(EXPORT_ROUTES.sitrep)).json()).figures.assisted).toBe(0);
  });

  it('makes a group assisted when a coordinator removes the last need still open beside met ones', async () => {
    const input = makeGroupInput({
      needs: [
        { id: uuidv7(), type: 'water', severity: 4, people: 12 },
        { id: uuidv7(), type: 'shelter', severity: 2, people: 12 },
      ],
    });
    let group = expectOk(await sendCommand(coordinator, reportCommand(input))).group;
    group = expectOk(await sendCommand(coordinator, assign(group, 0))).group;
    // The coordinator takes the agency's steps (on its word by phone), so each ack carries the full group.
    group = expectOk(await sendCommand(coordinator, step(group, 0, { status: 'accepted' }))).group;
    group = expectOk(await sendCommand(coordinator, step(group, 0, { status: 'completed', peopleReached: 12 }))).group;
    expect(group.status).toBe('assistance_in_progress');

    const kept = group.needs.filter((n) => n.type === 'water').map(({ id, type, severity, people }) => ({ id, type, severity, people }));
    group = expectOk(await sendCommand(coordinator, updateCommand(group.id, group.version, { needs: kept }))).group;
    expect(group.status).toBe('assisted');
  });
});
