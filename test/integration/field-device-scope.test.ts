import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PackedView } from '../../shared/packed-views';
import { FIELD_LOCATION_DECIMALS } from '../../shared/projection';
import { API_ROUTES, SessionInfo } from '../../shared/schemas/api.schema';
import type { Command } from '../../shared/schemas/command.schema';
import { changedId, type ChangeEvent } from '../../shared/schemas/sync.schema';
import {
  collectChanges,
  connectAs,
  expectChanges,
  expectOk,
  expectSnapshot,
  makeGroupInput,
  reportCommand,
  requestSync,
  sendCommand,
  signIn,
  unpackChanges,
  unpackSnapshot,
  updateCommand,
  waitForEvent,
  type ClientSocket,
  ownOrigin,
} from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

// Protection rule 11: a field phone can be taken at a checkpoint, so it holds in full only the
// groups its user reported or follows up; another team's group as an anonymous point rounded to
// 0.01°, and a protection-flagged one not at all. Every channel: plain and packed snapshot, live
// feed (JSON and packed), catch-up.

/** An exact place, and a note, that must never reach another team's phone. */
const EXACT = { lat: 32.887234, lon: 13.191345, accuracyM: 10, placeName: 'Safe house on Omar street', siteType: 'urban_dispersed' as const };
const SECRETS = ['32.887', '13.191', 'Safe house', 'secret note', 'NGA', 'headcount', 'protectionConcern', 'consentConsulate'];
const rounded = (x: number) => Number(x.toFixed(FIELD_LOCATION_DECIMALS));

let server: TestServer;
let coordinator: ClientSocket;
/** Team A (the fixture field user), on a phone that asked for packed live batches and one that did not. */
let aJson: ClientSocket;
let aPacked: ClientSocket;
let aId: string;
/** Team B, another field user of the same crisis. */
let b: ClientSocket;
let bPacked: ClientSocket;
const open: ClientSocket[] = [];

async function sessionOf(cookie: string): Promise<SessionInfo> {
  return SessionInfo.parse(await (await fetch(`${server.url}${API_ROUTES.session}`, { headers: { cookie } })).json());
}

async function connect(cookie: string, packedLive: boolean): Promise<ClientSocket> {
  const socket = await connectAs(server.url, cookie, { packedLive });
  open.push(socket);
  return socket;
}

beforeAll(async () => {
  // Every live batch packed for the sockets that asked (fewest 1), whichever commit it shares.
  server = await startTestServer({ packedLiveMin: 1 });
  const credentials = (key: 'field' | 'coordinator' | 'admin') => server.fixtureAccounts[key] ?? expect.fail(`no ${key}`);
  const adminCookie = await signIn(server.url, credentials('admin').username, credentials('admin').password);
  const created = await fetch(`${server.url}${API_ROUTES.admin}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: adminCookie, ...ownOrigin(server.url) },
    body: JSON.stringify({ username: 'team-b', password: 'a long passphrase', role: 'field', displayName: 'Team B', crisisId: server.crisisId }),
  });
  expect(created.status).toBe(201);
  const aCookie = await signIn(server.url, credentials('field').username, credentials('field').password);
  const bCookie = await signIn(server.url, 'team-b', 'a long passphrase');
  const coordinatorCookie = await signIn(server.url, credentials('coordinator').username, credentials('coordinator').password);
  aId = (await sessionOf(aCookie)).user.id;
  [coordinator, aJson, aPacked, b, bPacked] = await Promise.all([
    connect(coordinatorCookie, false),
    connect(aCookie, false),
    connect(aCookie, true),
    connect(bCookie, false),
    connect(bCookie, true),
  ]);
});
afterAll(async () => {
  for (const socket of open) socket.close();
  await server.destroy();
});

const followUp = (groupId: string, baseVersion: number, userId: string): Command => ({
  type: 'group.requestFollowUp',
  commandId: uuidv7(),
  groupId,
  baseVersion,
  userId,
});
const idOf = (event: ChangeEvent) => changedId(event);
const aboutGroup = (id: string) => (event: ChangeEvent) => idOf(event) === id;

/** Every change a socket receives from now on, JSON or packed (decoded as the app does), in arrival order. */
function collectEverything(socket: ClientSocket): ChangeEvent[] {
  const received = collectChanges(socket);
  socket.on('changesPacked', (bytes, own) => received.push(...unpackChanges(bytes, own)));
  return received;
}

/** What a device holds after applying `events` in order: each group's last view, removals removed. */
function held(events: readonly ChangeEvent[]): Map<string, ChangeEvent> {
  const out = new Map<string, ChangeEvent>();
  for (const event of events) {
    if (event.kind === 'group.remove') out.delete(event.groupId);
    else out.set(changedId(event), event);
  }
  return out;
}

function expectNoSecrets(what: unknown): void {
  const json = JSON.stringify(what);
  for (const secret of SECRETS) expect(json, `leaks ${secret}`).not.toContain(secret);
}

/** A view as another team's phone must hold it: the point near the group, nothing more. */
function expectReducedPoint(view: PackedView | undefined, groupId: string): void {
  expect(view).toEqual({ view: 'reduced', group: expect.objectContaining({ id: groupId, lat: rounded(EXACT.lat), lon: rounded(EXACT.lon) }) });
  expectNoSecrets(view);
}

/** B reports an unflagged group at the exact place and a flagged one; A reports a flagged one. */
async function reportAll() {
  const bPlain = expectOk(await sendCommand(b, reportCommand(makeGroupInput({ location: EXACT, notes: 'B secret note' }))));
  const bFlagged = expectOk(await sendCommand(b, reportCommand(makeGroupInput({ location: EXACT, notes: 'B secret note', protectionConcern: true }))));
  const aFlagged = expectOk(await sendCommand(aJson, reportCommand(makeGroupInput({ protectionConcern: true, notes: 'A own note' }))));
  return { bPlain: bPlain.group, bFlagged: bFlagged.group, aFlagged: aFlagged.group };
}

describe('a field phone (protection rule 11)', () => {
  it("holds its own groups in full, another team's as points, and nothing of another team's flagged ones: plain and packed snapshots", async () => {
    const { bPlain, bFlagged, aFlagged } = await reportAll();

    const plain = new Map(expectSnapshot(await requestSync(aJson, null)).groups.map((v) => [v.group.id, v]));
    const packedA = new Map(unpackSnapshot(await requestSync(aPacked, null, true)).views.map((v) => [v.group.id, v]));
    // B asks right after A: a packed snapshot shared between the two would hand B A's own groups.
    const packedB = new Map(unpackSnapshot(await requestSync(bPacked, null, true)).views.map((v) => [v.group.id, v]));

    for (const views of [plain, packedA]) {
      expect(views.get(aFlagged.id)).toEqual({ view: 'full', group: aFlagged });
      expectReducedPoint(views.get(bPlain.id), bPlain.id);
      expect(views.has(bFlagged.id)).toBe(false);
    }
    expect(packedB.get(bPlain.id)).toEqual({ view: 'full', group: bPlain });
    expect(packedB.get(bFlagged.id)).toEqual({ view: 'full', group: bFlagged });
    expect(packedB.has(aFlagged.id)).toBe(false);
  });

  it("gets another team's report live as a point, its own and followed ones in full, and a removal when a group is flagged", async () => {
    const got = { json: collectEverything(aJson), packed: collectEverything(aPacked) };
    // The packed phone gets the batch every field phone shares, with its own changes laid over it.
    let overlaid = 0;
    aPacked.on('changesPacked', (_bytes, own) => void (overlaid += own?.length ?? 0));
    const bOwn = collectEverything(b);
    const group = makeGroupInput({ location: EXACT, notes: 'B secret note' });
    const flagged = makeGroupInput({ location: EXACT, notes: 'B secret note', protectionConcern: true });
    const pointSeen = waitForEvent(aJson, 'change', aboutGroup(group.id));

    const reported = expectOk(await sendCommand(b, reportCommand(group)));
    const reportedFlagged = expectOk(await sendCommand(b, reportCommand(flagged)));
    const own = expectOk(await sendCommand(aJson, reportCommand(makeGroupInput({ notes: 'A own note' }))));
    await pointSeen;
    const removal = waitForEvent(aJson, 'change', (e) => e.kind === 'group.remove' && e.groupId === group.id);
    const flaggedNow = expectOk(await sendCommand(coordinator, updateCommand(group.id, reported.group.version, { protectionConcern: true })));
    await removal;
    const followed = expectOk(await sendCommand(coordinator, followUp(flagged.id, reportedFlagged.group.version, aId)));
    // A barrier: every change sent to these sockets before the answer has arrived.
    await Promise.all([aJson, aPacked, b].map((socket) => requestSync(socket, null)));

    for (const events of [got.json, got.packed]) {
      const mine = events.filter((e) => idOf(e) === group.id);
      expect(mine.map((e) => e.kind)).toEqual(['group.upsert', 'group.remove']);
      expectReducedPoint(mine[0]?.kind === 'group.upsert' ? mine[0].group : undefined, group.id);
      expect(mine[1]).toEqual({ kind: 'group.remove', seq: flaggedNow.seq, groupId: group.id });
      // The flagged report reaches A only once A is asked to follow it up, then in full.
      expect(events.filter((e) => idOf(e) === flagged.id)).toEqual([
        { kind: 'group.upsert', seq: followed.seq, group: { view: 'full', group: followed.group } },
      ]);
      expect(events.filter((e) => idOf(e) === own.group.id)).toEqual([{ kind: 'group.upsert', seq: own.seq, group: { view: 'full', group: own.group } }]);
      expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((x, y) => x - y));
    }
    expect(overlaid).toBeGreaterThanOrEqual(1);
    // B's phone gets its own reports in full, live, and A's as a point.
    expect(held(bOwn).get(flagged.id)).toEqual({ kind: 'group.upsert', seq: followed.seq, group: { view: 'full', group: followed.group } });
    expect(held(bOwn).get(group.id)).toEqual({ kind: 'group.upsert', seq: flaggedNow.seq, group: { view: 'full', group: flaggedNow.group } });
    expect(held(bOwn).get(own.group.id)?.kind === 'group.upsert' && held(bOwn).get(own.group.id)).toMatchObject({ group: { view: 'reduced' } });
  });

  it('catches up with the same rule: points, removals of newly flagged groups, and followed groups in full', async () => {
    const since = expectSnapshot(await requestSync(aJson, null)).seq;
    const point = expectOk(await sendCommand(b, reportCommand(makeGroupInput({ location: EXACT, notes: 'B secret note' }))));
    const hidden = expectOk(await sendCommand(b, reportCommand(makeGroupInput({ location: EXACT, notes: 'B secret note', protectionConcern: true }))));
    const later = expectOk(await sendCommand(b, reportCommand(makeGroupInput({ location: EXACT, notes: 'B secret note' }))));
    expectOk(await sendCommand(coordinator, updateCommand(later.group.id, later.group.version, { protectionConcern: true })));
    const followed = expectOk(await sendCommand(coordinator, followUp(hidden.group.id, hidden.group.version, aId)));
    const neverSeen = expectOk(await sendCommand(b, reportCommand(makeGroupInput({ location: EXACT, notes: 'B secret note', protectionConcern: true }))));

    const changes = expectChanges(await requestSync(aJson, since)).changes;

    const state = held(changes);
    expectReducedPoint(
      state.get(point.group.id)?.kind === 'group.upsert' ? (state.get(point.group.id) as Extract<ChangeEvent, { kind: 'group.upsert' }>).group : undefined,
      point.group.id,
    );
    expect(state.has(later.group.id)).toBe(false);
    expect(state.get(hidden.group.id)).toMatchObject({ group: { view: 'full', group: { id: hidden.group.id, version: followed.group.version } } });
    expect(changes.some((e) => idOf(e) === neverSeen.group.id)).toBe(false);
    // Nothing about a group A may not hold in full carries its details, at any step.
    expectNoSecrets(changes.filter((e) => idOf(e) !== hidden.group.id));
  });
});
