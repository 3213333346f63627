import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncService } from '../../server/services/sync.service';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import {
  collectChanges,
  connectAs,
  connectUser,
  expectChanges,
  expectOk,
  expectSnapshot,
  reportCommand,
  requestSync,
  sendCommand,
  signIn,
  statusCommand,
  updateCommand,
  waitForEvent,
  type ClientSocket,
} from '../support/clients';
import { startTestServer, type FixtureAccount, type TestServer } from '../support/server';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.destroy();
});

const account = (s: TestServer, key: FixtureAccount) => {
  const credentials = s.fixtureAccounts[key];
  if (!credentials) throw new Error(`no fixture account ${key}`);
  return credentials;
};
const seqs = (changes: readonly ChangeEvent[]) => changes.map((c) => c.seq);

describe(SyncService.name, () => {
  it('keeps every acked group across a restart and replays exactly the missed changes, in order', async () => {
    const coordinatorCookie = await signIn(server.url, server.accounts.coordinator.username, server.accounts.coordinator.password);
    let coordinator: ClientSocket = await connectAs(server.url, coordinatorCookie);
    let field = await connectUser(server.url, server.accounts.field);
    expectSnapshot(await requestSync(coordinator, null));

    // A change the coordinator sees live moves its position.
    const live = waitForEvent(coordinator, 'change');
    const first = expectOk(await sendCommand(field, reportCommand()));
    const lastSeq = (await live).seq;
    expect(lastSeq).toBe(first.seq);
    coordinator.close();

    // While the coordinator is away: two changes, a restart, then two more.
    const acked = [first];
    acked.push(expectOk(await sendCommand(field, reportCommand())));
    acked.push(expectOk(await sendCommand(field, updateCommand(first.group.id, 1, { notes: 'seen again' }))));
    field.close();
    await server.restart();
    field = await connectUser(server.url, server.accounts.field);
    acked.push(expectOk(await sendCommand(field, reportCommand())));
    acked.push(expectOk(await sendCommand(field, updateCommand(first.group.id, 2, { notes: 'seen a third time' }))));

    // The session survives the restart too: it lives in the database.
    coordinator = await connectAs(server.url, coordinatorCookie);
    const catchUp = expectChanges(await requestSync(coordinator, lastSeq));

    // One change per group missed, each as the group stands now, at the seq of its last change
    // (protection rule 8: never a state from history): the second and third reports, then the
    // first group at its third version.
    const [, second, , third, latest] = acked;
    expect(seqs(catchUp.changes)).toEqual([second?.seq, third?.seq, latest?.seq]);
    expect(catchUp.changes.map((c) => (c.kind === 'group.upsert' ? c.group.group : null))).toEqual([second?.group, third?.group, latest?.group]);
    expect(catchUp.seq).toBe(acked[acked.length - 1]?.seq);

    const after = expectSnapshot(await requestSync(coordinator, null));
    const stored = new Map(after.groups.map((v) => [v.group.id, v.group]));
    for (const ack of acked) expect(stored.get(ack.group.id)?.version).toBeGreaterThanOrEqual(ack.group.version);
    expect(stored.get(first.group.id)).toMatchObject({ version: 3, notes: 'seen a third time' });
    coordinator.close();
    field.close();
  });

  it('answers a sync with no position, or a position past the log, with a snapshot', async () => {
    const coordinator = await connectUser(server.url, server.accounts.coordinator);
    const head = expectSnapshot(await requestSync(coordinator, null)).seq;

    const ahead = expectSnapshot(await requestSync(coordinator, head + 1000));

    expect(ahead.seq).toBe(head);
    expect(ahead.crisis.id).toBe(server.crisisId);
    coordinator.close();
  });

  it('answers a sync at the head with no changes', async () => {
    const coordinator = await connectUser(server.url, server.accounts.coordinator);
    const head = expectSnapshot(await requestSync(coordinator, null)).seq;

    expect(expectChanges(await requestSync(coordinator, head))).toEqual({ ok: true, mode: 'changes', seq: head, changes: [], projection: expect.any(String) });
    coordinator.close();
  });

  it('sends live changes in commit order to every connection of the room', async () => {
    const [a, b, field] = await Promise.all([
      connectUser(server.url, server.accounts.coordinator),
      connectUser(server.url, server.accounts.coordinator),
      connectUser(server.url, server.accounts.field),
    ]);
    const [gotA, gotB] = [collectChanges(a), collectChanges(b)];
    const reported = expectOk(await sendCommand(field, reportCommand()));
    const acks = [reported];
    acks.push(expectOk(await sendCommand(field, updateCommand(reported.group.id, 1, { notes: 'one' }))));
    acks.push(expectOk(await sendCommand(field, updateCommand(reported.group.id, 2, { notes: 'two' }))));

    // The publisher sends before it acks, so a sync reply after the last ack follows every change.
    await Promise.all([requestSync(a, 0), requestSync(b, 0)]);
    expect(seqs(gotA)).toEqual(acks.map((x) => x.seq));
    expect(seqs(gotB)).toEqual(acks.map((x) => x.seq));
    for (const socket of [a, b, field]) socket.close();
  });
});

describe('a client far behind', () => {
  let small: TestServer;

  beforeAll(async () => {
    small = await startTestServer({ syncPolicy: { maxCatchUpChanges: 3 } });
  });
  afterAll(async () => {
    await small.destroy();
  });

  it('gets a snapshot instead of more changes than the catch-up limit', async () => {
    const [coordinator, field] = await Promise.all([connectUser(small.url, small.accounts.coordinator), connectUser(small.url, small.accounts.field)]);
    const start = expectSnapshot(await requestSync(coordinator, null)).seq;
    const reported = expectOk(await sendCommand(field, reportCommand()));
    expectOk(await sendCommand(field, updateCommand(reported.group.id, 1, { notes: 'a' })));
    expectOk(await sendCommand(field, updateCommand(reported.group.id, 2, { notes: 'b' })));

    // Three changes of one group come as one: the group as it stands.
    expect(expectChanges(await requestSync(coordinator, start)).changes).toMatchObject([
      { kind: 'group.upsert', group: { group: { id: reported.group.id, version: 3 } } },
    ]);

    const last = expectOk(await sendCommand(field, updateCommand(reported.group.id, 3, { notes: 'c' })));
    const snapshot = expectSnapshot(await requestSync(coordinator, start));
    expect(snapshot.seq).toBe(last.seq);
    expect(snapshot.groups.find((v) => v.group.id === reported.group.id)?.group).toEqual(last.group);
    coordinator.close();
    field.close();
  });

  it('does not count another crisis’s changes against the limit', async () => {
    const [coordinator, field, otherField] = await Promise.all([
      connectUser(small.url, small.accounts.coordinator),
      connectUser(small.url, small.accounts.field),
      connectUser(small.url, account(small, 'otherField')),
    ]);
    const start = expectSnapshot(await requestSync(coordinator, null)).seq;
    for (let i = 0; i < 5; i++) expectOk(await sendCommand(otherField, reportCommand()));
    const mine = expectOk(await sendCommand(field, reportCommand()));

    const catchUp = expectChanges(await requestSync(coordinator, start));

    expect(seqs(catchUp.changes)).toEqual([mine.seq]);
    for (const socket of [coordinator, field, otherField]) socket.close();
  });

  it('sees a status change made by a coordinator as a change like any other', async () => {
    const [coordinator, field] = await Promise.all([connectUser(small.url, small.accounts.coordinator), connectUser(small.url, small.accounts.field)]);
    const reported = expectOk(await sendCommand(field, reportCommand()));
    const start = reported.seq;
    const verified = expectOk(await sendCommand(coordinator, statusCommand(reported.group.id, 1, 'verified')));

    expect(expectChanges(await requestSync(field, start)).changes).toEqual([
      { kind: 'group.upsert', seq: verified.seq, group: { view: 'full', group: verified.group } },
    ]);
    coordinator.close();
    field.close();
  });
});
