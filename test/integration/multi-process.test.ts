import { createClient } from 'redis';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/db/database';
import { DEMO_PASSWORD, DEMO_USERS } from '../../server/seed/demo-seed';
import type { Command } from '../../shared/schemas/command.schema';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { UserSummary } from '../../shared/schemas/admin.schema';
import {
  ownOrigin,
  collectChanges,
  connectAs,
  disconnection,
  expectChanges,
  expectSnapshot,
  expectOk,
  makeGroupInput,
  reportCommand,
  requestSync,
  sendCommand,
  signIn,
  updateCommand,
  type ClientSocket,
} from '../support/clients';
import { until, upsertOf, idsIn, strictlyIncreasing, ARRIVAL_TIMEOUT_MS } from '../support/arrivals';
import { createChildServer, freePort, type ChildServer } from '../support/child-server';
import { redisSkipReason, startRedis, type RedisServer } from '../support/redis-server';

// Two real server processes (server/index.ts) on ONE SQLite file and one Redis (redis-server,
// started here): what one process commits reaches the other's sockets, projected by the same
// rules, in sequence-number order; disconnects cross; catch-up works on either process.
// Redis is optional and npm cannot install it: where it is missing these tests are skipped and say
// why (CI installs it and runs them).

/** Why the tests that need Redis are skipped here, or null: they run. */
const SKIP = redisSkipReason();
if (SKIP) console.warn(`multi-process test: two server processes on one Redis ${SKIP}`);

let redis: RedisServer | null = null;
let redisPort = 0;
let one: ChildServer;
let two: ChildServer;
let db: Db;
const sockets: ClientSocket[] = [];
/** Listens on the adapter's request channel: what the processes tell each other through Redis. */
let listener: ReturnType<typeof createClient> | null = null;
type Relayed = { type: number; data?: unknown[]; opts?: { rooms?: string[] } };
const relayed: Relayed[] = [];
/** Called on every relayed message: the waits of `relayedWhere`. */
const onRelayed = new Set<() => void>();
/** The adapter's request channel for the default namespace, and its message types (socket.io-adapter). */
const REQUEST_CHANNEL = 'socket.io-request#/#';
const SERVER_SIDE_EMIT = 6;
const REMOTE_DISCONNECT = 4;

async function stopRedis(): Promise<void> {
  const running = redis;
  redis = null;
  await running?.stop();
}

/** Resolves once a message relayed through Redis satisfies `condition` (checked on each one); rejects after a bound. */
function relayedWhere(condition: (all: readonly Relayed[]) => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!condition(relayed)) return;
      onRelayed.delete(check);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      onRelayed.delete(check);
      reject(new Error(`timed out waiting for ${what}`));
    }, ARRIVAL_TIMEOUT_MS);
    onRelayed.add(check);
    check();
  });
}

async function connect(server: ChildServer, username: string): Promise<{ socket: ClientSocket; cookie: string }> {
  const cookie = await signIn(server.url, username, DEMO_PASSWORD);
  const socket = await connectAs(server.url, cookie);
  sockets.push(socket);
  return { socket, cookie };
}

const count = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;

describe('a server told to use Redis', () => {
  it('refuses to start when Redis cannot be reached, naming it (without its password)', async () => {
    const deadPort = await freePort();
    const server = await createChildServer({ demo: false, env: { WAYMARK_REDIS_URL: `redis://:s3cret@127.0.0.1:${deadPort}` } });
    try {
      const failure = await server.start().then(
        () => 'started',
        (error: unknown) => String(error),
      );
      expect(failure).toMatch(new RegExp(`cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${deadPort}`));
      expect(failure).not.toContain('s3cret');
    } finally {
      await server.destroy();
    }
  });
});

describe.skipIf(SKIP !== null)(`two server processes on one database and one Redis${SKIP ? ` (${SKIP})` : ''}`, () => {
  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    const env = { WAYMARK_REDIS_URL: `redis://127.0.0.1:${redisPort}` };
    one = await createChildServer({ env });
    two = await createChildServer({ env, dataDir: one.dataDir });
    // Both at once on an empty file: migrations and the demo seed must happen exactly once.
    await Promise.all([one.start(), two.start()]);
    db = openDatabase(one.databaseFile, { readonly: true });
    listener = createClient({ url: env.WAYMARK_REDIS_URL });
    listener.on('error', () => {}); // Redis is stopped on purpose by the last test.
    await listener.connect();
    await listener.subscribe(REQUEST_CHANNEL, (message) => {
      relayed.push(JSON.parse(message) as Relayed);
      for (const check of [...onRelayed]) check();
    });
  }, 60_000);

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    db?.close();
    if (listener?.isOpen) listener.destroy();
    // Each independently, so one failure does not leave another process running.
    await Promise.allSettled([one?.kill(), two?.kill(), stopRedis()]);
    await one?.destroy();
  });

  it('both processes subscribed to the adapter’s channel in Redis', async () => {
    const asker = createClient({ url: `redis://127.0.0.1:${redisPort}` });
    await asker.connect();
    try {
      const reply = await asker.sendCommand<[string, number]>(['PUBSUB', 'NUMSUB', REQUEST_CHANNEL]);
      // The two servers, and this test's own listener.
      expect(Number(reply[1])).toBe(3);
    } finally {
      asker.destroy();
    }
  });

  it('seeded the demo once although both started together on an empty file', () => {
    expect(count('SELECT COUNT(*) AS n FROM crises')).toBe(1);
    expect(count("SELECT COUNT(*) AS n FROM users WHERE username = 'coordinator'")).toBe(1);
    // One logged change per demo group and per demo site.
    expect(count('SELECT COUNT(*) AS n FROM change_log')).toBe(count('SELECT COUNT(*) AS n FROM groups') + count('SELECT COUNT(*) AS n FROM sites'));
  });

  it('carries reports and assignments across processes with the same per-audience rules', async () => {
    const field = await connect(one, DEMO_USERS.field);
    const coordinator = await connect(two, DEMO_USERS.coordinator);
    const embassy = await connect(two, DEMO_USERS.embassy);
    const fieldSeen = collectChanges(field.socket);
    const coordinatorSeen = collectChanges(coordinator.socket);
    const embassySeen = collectChanges(embassy.socket);

    // Nigerians: flagged (never for the embassy), unconsented (never), consented (yes).
    const nga = [{ code: 'NGA', count: 5 }];
    const flagged = makeGroupInput({ nationalities: nga, consentConsulate: 'yes', protectionConcern: true });
    const unconsented = makeGroupInput({ nationalities: nga, consentConsulate: 'no' });
    const consented = makeGroupInput({ nationalities: nga, consentConsulate: 'yes' });
    for (const group of [flagged, unconsented, consented]) expectOk(await sendCommand(field.socket, reportCommand(group)));

    await until(
      coordinator.socket,
      coordinatorSeen,
      (all) => [flagged, unconsented, consented].every((g) => upsertOf(g.id)(all)),
      'the three reports on process 2',
    );
    // Changes reach a process's sockets in sequence order, so once the consented group is there the
    // two before it were decided: they never reach the embassy.
    await until(embassy.socket, embassySeen, upsertOf(consented.id), 'the consented group at the embassy');
    expect(idsIn(embassySeen).has(flagged.id)).toBe(false);
    expect(idsIn(embassySeen).has(unconsented.id)).toBe(false);
    // The other process learnt of them by a Redis announcement (not only by its periodic check of the log).
    const head = expectSnapshot(await requestSync(coordinator.socket, null)).seq;
    const announced = (all: readonly Relayed[]) =>
      all.filter((m) => m.type === SERVER_SIDE_EMIT && m.data?.[0] === 'committed').map((m) => Number(m.data?.[1]));
    await relayedWhere((all) => Math.max(0, ...announced(all)) >= head, 'the announcement in Redis');
    // Rule 9: the embassy gets its nationals' part, on the other process too.
    const embassyView = embassySeen.find((c) => c.kind === 'group.upsert' && c.group.group.id === consented.id);
    expect(embassyView?.kind === 'group.upsert' && embassyView.group.view).toBe('nationals');

    // An assignment made on process 2 reaches the field team on process 1.
    const iom = db.prepare("SELECT id FROM agencies WHERE acronym = 'IOM'").get() as { id: string };
    const need = consented.needs[0];
    if (!need) throw new Error('the test group has no need');
    const assign: Command = {
      type: 'assignment.create',
      commandId: uuidv7(),
      groupId: consented.id,
      baseVersion: 1,
      assignment: { id: uuidv7(), needId: need.id, agencyId: iom.id, note: '', expectedBy: null },
    };
    const assigned = expectOk(await sendCommand(coordinator.socket, assign));
    await until(
      field.socket,
      fieldSeen,
      (all) =>
        all.some((c) => c.kind === 'group.upsert' && c.group.view === 'full' && c.group.group.id === consented.id && c.group.group.assignments.length === 1),
      'the assignment on process 1',
    );

    // Consent withdrawn on process 1: the embassy on process 2 gets a removal.
    expectOk(await sendCommand(field.socket, updateCommand(consented.id, assigned.group.version, { consentConsulate: 'no' })));
    await until(embassy.socket, embassySeen, (all) => all.some((c) => c.kind === 'group.remove' && c.groupId === consented.id), 'the removal at the embassy');

    for (const seen of [fieldSeen, coordinatorSeen, embassySeen]) expect(strictlyIncreasing(seen)).toBe(true);
  });

  it('closes a disabled user’s sockets on both processes', async () => {
    const responder = await connect(two, DEMO_USERS.responder);
    const responderHere = await connect(one, DEMO_USERS.responder);
    const adminCookie = await signIn(one.url, DEMO_USERS.admin, DEMO_PASSWORD);
    const overview = await fetch(`${one.url}${API_ROUTES.admin}/overview`, { headers: { cookie: adminCookie } });
    const users = UserSummary.array().parse(((await overview.json()) as { users: unknown }).users);
    const target = users.find((u) => u.username === DEMO_USERS.responder);
    if (!target) throw new Error('no demo responder');
    const closed = disconnection(responder.socket);
    const closedHere = disconnection(responderHere.socket);

    const response = await fetch(`${one.url}${API_ROUTES.admin}/users/${target.id}/disable`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: adminCookie, ...ownOrigin(one.url) },
      body: '{}',
    });

    expect(response.status).toBe(200);
    expect(await closed).toBe('io server disconnect');
    expect(await closedHere).toBe('io server disconnect');
    await relayedWhere(
      (all) => all.some((m) => m.type === REMOTE_DISCONNECT && m.opts?.rooms?.includes(`user:${target.id}`) === true),
      'the disconnect request in Redis',
    );
  });

  it('a coordinator who left process 2 catches up on process 1 with exactly the missed changes, in order', async () => {
    const field = await connect(one, DEMO_USERS.field);
    const coordinator = await connect(two, DEMO_USERS.coordinator);
    const seen = collectChanges(coordinator.socket);
    const before = makeGroupInput();
    const last = expectOk(await sendCommand(field.socket, reportCommand(before)));
    await until(coordinator.socket, seen, upsertOf(before.id), 'the report before leaving');
    const closed = disconnection(coordinator.socket);
    coordinator.socket.close();
    await closed;

    const missed: number[] = [];
    for (let i = 0; i < 3; i++) missed.push(expectOk(await sendCommand(field.socket, reportCommand())).seq);

    const back = await connectAs(one.url, coordinator.cookie);
    sockets.push(back);
    const catchUp = expectChanges(await requestSync(back, last.seq));
    expect(catchUp.changes.map((c) => c.seq)).toEqual(missed);
    expect(catchUp.seq).toBe(missed[2]);
  });

  it('takes concurrent writes on both processes: each acked, stored once, seen everywhere in order', async () => {
    const onOne = await connect(one, DEMO_USERS.field);
    const onTwo = await connect(two, DEMO_USERS.field);
    const watcher = await connect(two, DEMO_USERS.coordinator);
    const seen = collectChanges(watcher.socket);
    const groupsBefore = count('SELECT COUNT(*) AS n FROM groups');
    const commands = [onOne, onTwo].map(() => Array.from({ length: 15 }, () => reportCommand()));

    const acks = await Promise.all([onOne, onTwo].flatMap(({ socket }, i) => (commands[i] ?? []).map((command) => sendCommand(socket, command))));
    const seqs = acks.map((ack) => expectOk(ack).seq);

    expect(new Set(seqs).size).toBe(30);
    // A command retried on the other process returns its first result and writes nothing.
    const first = commands[0]?.[0];
    if (!first) throw new Error('no command');
    expect(expectOk(await sendCommand(onTwo.socket, first)).seq).toBe(seqs[0]);
    expect(count('SELECT COUNT(*) AS n FROM groups')).toBe(groupsBefore + 30);
    const ids = commands.flat().map((c) => (c.type === 'group.report' ? c.group.id : ''));
    await until(watcher.socket, seen, (all) => ids.every((id) => idsIn(all).has(id)), 'all 30 reports on process 2');
    expect(strictlyIncreasing(seen)).toBe(true);
    expect(seen.filter((c) => seqs.includes(c.seq))).toHaveLength(30);
  });

  it('keeps serving when Redis goes away: the other process’s changes still arrive through the shared log', async () => {
    const field = await connect(one, DEMO_USERS.field);
    const coordinatorOnOne = await connect(one, DEMO_USERS.coordinator);
    const coordinatorOnTwo = await connect(two, DEMO_USERS.coordinator);
    const seenOnOne = collectChanges(coordinatorOnOne.socket);
    const seenOnTwo = collectChanges(coordinatorOnTwo.socket);
    await stopRedis();

    const group = makeGroupInput();
    expectOk(await sendCommand(field.socket, reportCommand(group)));

    await until(coordinatorOnOne.socket, seenOnOne, upsertOf(group.id), 'the report on its own process');
    await until(coordinatorOnTwo.socket, seenOnTwo, upsertOf(group.id), 'the report on the other process, from the log');
    expect(coordinatorOnTwo.socket.connected).toBe(true);
  });
});
