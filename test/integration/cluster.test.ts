import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { DEMO_PASSWORD, DEMO_USERS } from '../../server/seed/demo-seed';
import type { Command } from '../../shared/schemas/command.schema';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { UserSummary } from '../../shared/schemas/admin.schema';
import {
  collectChanges,
  connectAs,
  disconnection,
  expectChanges,
  expectOk,
  expectSnapshot,
  makeGroupInput,
  ownOrigin,
  reportCommand,
  requestSync,
  sendCommand,
  signIn,
  updateCommand,
  type ClientSocket,
} from '../support/clients';
import { until, upsertOf, strictlyIncreasing, ARRIVAL_TIMEOUT_MS } from '../support/arrivals';
import { createChildServer, type ChildServer } from '../support/child-server';
import { startPostgres, type PgHarness } from '../support/postgres';

// Three real server processes (server/index.ts), each with a data folder of its own, and ONE
// PostgreSQL (from npm), nothing else: no Redis, no shared file. PostgreSQL is the store and
// carries the signals between the nodes (LISTEN/NOTIFY). What one node commits reaches every
// client on every node, projected by the same rules, in sequence-number order; signing a user out
// closes their sockets on every node; a command sent to two nodes at once is stored once.

let postgres: PgHarness;
let url: string;
let db: pg.Client;
let nodes: ChildServer[] = [];
/** What the nodes tell each other through PostgreSQL (LISTEN on the adapter's channel, as a node does). */
let listener: pg.Client;
const notified: string[] = [];
const onNotified = new Set<() => void>();

/** Resolves once a NOTIFY payload between the nodes satisfies `condition`; rejects after a bound. */
function notifiedWhere(condition: (payload: string) => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!notified.some(condition)) return;
      onNotified.delete(check);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      onNotified.delete(check);
      reject(new Error(`no NOTIFY between the nodes carried ${what}`));
    }, ARRIVAL_TIMEOUT_MS);
    onNotified.add(check);
    check();
  });
}
const sockets: ClientSocket[] = [];

async function connect(node: ChildServer, username: string): Promise<{ socket: ClientSocket; cookie: string }> {
  const cookie = await signIn(node.url, username, DEMO_PASSWORD);
  const socket = await connectAs(node.url, cookie);
  sockets.push(socket);
  return { socket, cookie };
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: string }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

describe('three nodes on one PostgreSQL', () => {
  beforeAll(async () => {
    postgres = await startPostgres();
    url = await postgres.createDatabase();
    nodes = await Promise.all([0, 1, 2].map(() => createChildServer({ env: { WAYMARK_DATABASE_URL: url } })));
    // All three at once on an empty database: the migrations and the demo seed happen exactly once.
    await Promise.all(nodes.map((node) => node.start()));
    db = new pg.Client({ connectionString: url });
    await db.connect();
    listener = new pg.Client({ connectionString: url });
    await listener.connect();
    listener.on('notification', (message) => {
      notified.push(message.payload ?? '');
      for (const check of [...onNotified]) check();
    });
    await listener.query('LISTEN "socket.io#/"');
  }, 120_000);

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await db?.end();
    await listener?.end();
    await Promise.allSettled(nodes.map((node) => node.destroy()));
    await postgres?.stop();
  });

  it('migrated and seeded the demo once although the three started together', async () => {
    expect(await count('SELECT COUNT(*) AS n FROM crises')).toBe(1);
    expect(await count('SELECT COUNT(*) AS n FROM schema_migrations')).toBe(await count('SELECT COUNT(DISTINCT version) AS n FROM schema_migrations'));
    expect(await count("SELECT COUNT(*) AS n FROM users WHERE username = 'coordinator'")).toBe(1);
  });

  it('carries reports and assignments from node to node, projected for each audience, in order', async () => {
    const [one, two, three] = nodes as [ChildServer, ChildServer, ChildServer];
    const field = await connect(one, DEMO_USERS.field);
    const coordinator = await connect(two, DEMO_USERS.coordinator);
    const embassy = await connect(three, DEMO_USERS.embassy);
    const coordinatorSeen = collectChanges(coordinator.socket);
    const embassySeen = collectChanges(embassy.socket);
    const fieldSeen = collectChanges(field.socket);

    const nga = [{ code: 'NGA', count: 5 }];
    const unconsented = makeGroupInput({ nationalities: nga, consentConsulate: 'no' });
    const consented = makeGroupInput({ nationalities: nga, consentConsulate: 'yes' });
    for (const group of [unconsented, consented]) expectOk(await sendCommand(field.socket, reportCommand(group)));

    await until(coordinator.socket, coordinatorSeen, (all) => upsertOf(unconsented.id)(all) && upsertOf(consented.id)(all), 'both reports on node 2');
    await until(embassy.socket, embassySeen, upsertOf(consented.id), 'the consented group on node 3');
    // In sequence order on each node: once the consented group is there, the one before it was decided.
    expect(embassySeen.some((c) => c.kind === 'group.upsert' && c.group.group.id === unconsented.id)).toBe(false);
    const embassyView = embassySeen.find((c) => c.kind === 'group.upsert' && c.group.group.id === consented.id);
    expect(embassyView?.kind === 'group.upsert' && embassyView.group.view).toBe('nationals');

    const iom = (await db.query<{ id: string }>("SELECT id FROM agencies WHERE acronym = 'IOM'")).rows[0];
    const need = consented.needs[0];
    if (!iom || !need) throw new Error('no IOM or no need');
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
      'the assignment on node 1',
    );
    expectOk(await sendCommand(field.socket, updateCommand(consented.id, assigned.group.version, { consentConsulate: 'no' })));
    await until(embassy.socket, embassySeen, (all) => all.some((c) => c.kind === 'group.remove' && c.groupId === consented.id), 'the removal on node 3');
    for (const seen of [fieldSeen, coordinatorSeen, embassySeen]) expect(strictlyIncreasing(seen)).toBe(true);
    // The other nodes learnt of the commits by PostgreSQL's NOTIFY (not only by their periodic
    // check of the log), and what went through it was a sequence number, never group data.
    const head = expectSnapshot(await requestSync(coordinator.socket, null)).seq;
    await notifiedWhere((p) => p.includes('"committed"') && p.includes(String(head)), `"committed" up to ${head}`);
    expect(notified.filter((p) => p.includes(consented.id) || p.includes('NGA'))).toEqual([]);
  });

  it('takes concurrent writes on all three nodes: each acked, stored once, seen on every node in one order', async () => {
    const writers = await Promise.all(nodes.map((node) => connect(node, DEMO_USERS.field)));
    const watchers = await Promise.all(nodes.map((node) => connect(node, DEMO_USERS.coordinator)));
    const seen = watchers.map((w) => collectChanges(w.socket));
    const before = await count('SELECT COUNT(*) AS n FROM groups');
    const commands = writers.map(() => Array.from({ length: 20 }, () => reportCommand()));

    const acks = await Promise.all(writers.flatMap(({ socket }, i) => commands[i]!.map((command) => sendCommand(socket, command))));
    const seqs = acks.map((ack) => expectOk(ack).seq);

    expect(new Set(seqs).size).toBe(60);
    expect(await count('SELECT COUNT(*) AS n FROM groups')).toBe(before + 60);
    const ids = commands.flat().map((c) => (c.type === 'group.report' ? c.group.id : ''));
    for (const [i, watcher] of watchers.entries()) {
      await until(watcher.socket, seen[i]!, (all) => ids.every((id) => upsertOf(id)(all)), `all 60 reports on node ${i + 1}`);
      expect(strictlyIncreasing(seen[i]!)).toBe(true);
    }
    // Every node published the same changes in the same order.
    const order = (all: ChangeEvent[]) => all.filter((c) => seqs.includes(c.seq)).map((c) => c.seq);
    expect(order(seen[1]!)).toEqual(order(seen[0]!));
    expect(order(seen[2]!)).toEqual(order(seen[0]!));
    // The log has no gap: what the three nodes committed is numbered 1..head without a hole.
    const { rows } = await db.query<{ seq: string }>('SELECT seq FROM change_log ORDER BY seq');
    expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i + 1));
  });

  it('stores a command sent to two nodes at the same moment once, and answers both with the same seq', async () => {
    const [one, two] = nodes as [ChildServer, ChildServer];
    const a = await connect(one, DEMO_USERS.field);
    const b = await connect(two, DEMO_USERS.field);
    const before = await count('SELECT COUNT(*) AS n FROM change_log');
    for (let i = 0; i < 10; i++) {
      const command = reportCommand();
      const [x, y] = await Promise.all([sendCommand(a.socket, command), sendCommand(b.socket, command)]);
      expect(expectOk(x).seq).toBe(expectOk(y).seq);
    }
    expect(await count('SELECT COUNT(*) AS n FROM change_log')).toBe(before + 10);
  });

  it('closes a disabled user’s sockets on every node', async () => {
    const responders = await Promise.all(nodes.map((node) => connect(node, DEMO_USERS.responder)));
    const closed = responders.map((r) => disconnection(r.socket));
    const [one] = nodes as [ChildServer];
    const adminCookie = await signIn(one.url, DEMO_USERS.admin, DEMO_PASSWORD);
    const overview = await fetch(`${one.url}${API_ROUTES.admin}/overview`, { headers: { cookie: adminCookie } });
    const users = UserSummary.array().parse(((await overview.json()) as { users: unknown }).users);
    const target = users.find((u) => u.username === DEMO_USERS.responder);
    if (!target) throw new Error('no demo responder');

    const response = await fetch(`${one.url}${API_ROUTES.admin}/users/${target.id}/disable`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: adminCookie, ...ownOrigin(one.url) },
      body: '{}',
    });

    expect(response.status).toBe(200);
    // At once through the cluster's signal, not the one-second sweep: within its first half.
    const started = Date.now();
    expect(await Promise.all(closed)).toEqual(['io server disconnect', 'io server disconnect', 'io server disconnect']);
    expect(Date.now() - started).toBeLessThan(900);
    await notifiedWhere((p) => p.includes(`user:${target.id}`), `the disconnect of user:${target.id}`);
  });

  it('a coordinator who left node 2 catches up on node 3 with exactly the missed changes, in order', async () => {
    const [one, two, three] = nodes as [ChildServer, ChildServer, ChildServer];
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

    const back = await connectAs(three.url, coordinator.cookie);
    sockets.push(back);
    const catchUp = expectChanges(await requestSync(back, last.seq));
    expect(catchUp.changes.map((c) => c.seq)).toEqual(missed);
    expect(expectSnapshot(await requestSync(back, null)).seq).toBe(missed[2]);
  });
});
