import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { openDatabase, type Db } from '../../server/db/database';
import { silentLogger } from '../../server/log';
import { createRepositories, type Repositories } from '../../server/repositories/repositories';
import { AdminService } from '../../server/services/admin.service';
import { AuthService } from '../../server/services/auth.service';
import { GroupService, type Actor } from '../../server/services/group.service';
import type { PublishedChange, WriteOutcome } from '../../server/services/command.service';
import { DEFAULT_SESSION_POLICY } from '../../server/config';
import { DEMO_PASSWORD, DEMO_USERS } from '../../server/seed/demo-seed';
import { GroupCommit } from '../../server/write/group-commit';
import type { Command } from '../../shared/schemas/command.schema';
import { createChildServer, type ChildServer } from '../support/child-server';
import {
  collectChanges,
  connectAs,
  connectFixture,
  connectUser,
  expectOk,
  makeGroupInput,
  reportCommand,
  requestSync,
  sendCommand,
  signIn,
  statusCommand,
  updateCommand,
  type ClientSocket,
} from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

// Group commit (server/write/group-commit.ts): commands queued together are applied in one
// transaction, each in its own savepoint, committed once, then published, then acknowledged.
// The batch tests queue commands synchronously, so they are certain to share one batch.

describe(GroupCommit.name, () => {
  let dir: string;
  let db: Db;
  let repos: Repositories;
  let groups: GroupService;
  let field: Actor;
  let coordinator: Actor;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'waymark-group-commit-'));
    db = openDatabase(path.join(dir, 'waymark.db'));
    repos = createRepositories(db);
    const admin = new AdminService(repos, { scrypt: { N: 1024, r: 8, p: 1 } });
    const crisis = await admin.createCrisis({
      name: 'Batch crisis',
      type: 'conflict',
      hostCountry: 'LBY',
      phase: 'emergency_response',
      area: [9.3, 19.5, 25.2, 33.2],
    });
    const auth = new AuthService(repos, DEFAULT_SESSION_POLICY);
    const actorOf = async (username: string, role: 'field' | 'coordinator'): Promise<Actor> => {
      const user = await admin.createUser({ username, password: 'batch-password-1', role, displayName: username, agency: null, crisisId: crisis.id });
      const record = await repos.users.findById(user.id);
      if (!record) throw new Error('user not stored');
      return { userId: user.id, audience: await auth.audienceOf(record) };
    };
    field = await actorOf('batch-field', 'field');
    coordinator = await actorOf('batch-coordinator', 'coordinator');
    groups = new GroupService(repos);
  });
  afterAll(async () => {
    db.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const count = (table: string) => db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).get()?.n ?? 0;
  const counts = () => ({ groups: count('groups'), changeLog: count('change_log'), idempotency: count('idempotency'), audit: count('audit') });

  /** A group commit whose publications and answers are recorded in the order they happen. */
  function recorder(service: Pick<GroupService, 'execute'> = groups) {
    const events: { kind: 'publish' | 'ack'; seq?: number; inTransaction: boolean; index?: number }[] = [];
    const writes = new GroupCommit(
      repos,
      service,
      (changes: readonly PublishedChange[]) => {
        for (const change of changes) events.push({ kind: 'publish', seq: change.seq, inTransaction: repos.inTransaction() });
      },
      silentLogger,
    );
    const outcomes: WriteOutcome[] = [];
    const submit = (actor: Actor, command: Command) => {
      const index = outcomes.length;
      outcomes.push(undefined as unknown as WriteOutcome);
      writes.submit(actor, command, (outcome) => {
        outcomes[index] = outcome;
        events.push({ kind: 'ack', index, inTransaction: repos.inTransaction() });
      });
    };
    return { writes, submit, outcomes, events };
  }

  it('applies a batch in one transaction, then publishes every change in commit order, then answers', async () => {
    const { writes, submit, outcomes, events } = recorder();
    const before = counts();
    for (let i = 0; i < 20; i++) submit(field, reportCommand());

    expect(writes.waiting).toBe(20);
    await writes.flush();

    expect(outcomes.map((o) => o.ack.ok)).toEqual(Array(20).fill(true));
    expect(counts()).toEqual({ groups: before.groups + 20, changeLog: before.changeLog + 20, idempotency: before.idempotency + 20, audit: before.audit + 20 });
    const published = events.filter((e) => e.kind === 'publish').map((e) => e.seq);
    expect(published).toEqual(outcomes.map((o) => (o.ack.ok ? o.ack.seq : null)));
    expect([...published].sort((a, b) => a! - b!)).toEqual(published);
    // Nothing is published or answered while the transaction is open, and every publication precedes every answer.
    expect(events.every((e) => !e.inTransaction)).toBe(true);
    expect(events.findIndex((e) => e.kind === 'ack')).toBe(20);
  });

  it('flushes a lone command at the end of the turn, without being asked', async () => {
    const writes = new GroupCommit(repos, groups, () => {}, silentLogger);
    const outcome = await writes.execute(field, reportCommand());
    expect(outcome.ack.ok).toBe(true);
    expect(writes.waiting).toBe(0);
  });

  it('flushes at once when the batch is full', async () => {
    const writes = new GroupCommit(repos, groups, () => {}, silentLogger, { maxBatch: 3 });
    const flushes: [number, number][] = [];
    writes.onFlush = (stats) => flushes.push([stats.commands, stats.committed]);
    const acks: boolean[] = [];
    for (let i = 0; i < 4; i++) writes.submit(field, reportCommand(), (o) => acks.push(o.ack.ok));
    // The third started a batch at once (in process, SQLite's lock is taken at once, and the batch
    // takes its commands then); the fourth waits for the next (one batch at a time).
    expect(flushes).toEqual([]);
    expect(writes.waiting).toBe(1);
    await writes.flush();
    expect(acks).toEqual([true, true, true, true]);
    expect(flushes).toEqual([
      [3, 3],
      [1, 1],
    ]);
  });

  it('says while its batch waits for or holds the write lock, and again once the batch committed or failed', async () => {
    /** Whether `p` is still pending after a few turns. */
    const waits = async (p: Promise<void>): Promise<boolean> => {
      let settled = false;
      void p.then(() => (settled = true));
      for (let i = 0; i < 5; i++) await Promise.resolve();
      return !settled;
    };
    const inBatch: boolean[] = [];
    const service: Pick<GroupService, 'execute'> = {
      execute: async (actor, command) => {
        inBatch.push(await waits(writes.unlocked()));
        return groups.execute(actor, command);
      },
    };
    let fail = false;
    // The lock held elsewhere (another node's batch) until `release`.
    let release = () => {};
    let held = Promise.resolve();
    const failing: Repositories = {
      ...repos,
      writeBatch: async (fn, keys) => {
        await held;
        const result = await repos.writeBatch(fn, keys);
        if (fail) throw new Error('the commit failed');
        return result;
      },
    };
    const writes = new GroupCommit(failing, service, () => {}, silentLogger);
    expect(await waits(writes.unlocked())).toBe(false);
    const acks: boolean[] = [];
    held = new Promise<void>((resolve) => (release = resolve));
    writes.submit(field, reportCommand(), (o) => acks.push(o.ack.ok));
    const first = writes.flush();
    // Waiting for the lock counts: the other node's commit hands it over and announces itself at once.
    expect(await waits(writes.unlocked())).toBe(true);
    release();
    await first;
    expect(await waits(writes.unlocked())).toBe(false);
    fail = true;
    writes.submit(field, reportCommand(), (o) => acks.push(o.ack.ok));
    await writes.flush();
    expect(await waits(writes.unlocked())).toBe(false);
    expect(inBatch).toEqual([true, true]);
    expect(acks).toEqual([true, false]);
  });

  it('takes into a batch what arrived while it waited for the write lock', async () => {
    // The lock held elsewhere (another node's batch, on a cluster) until `release`.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const locked: Repositories = { ...repos, writeBatch: async (fn, keys) => (await held, repos.writeBatch(fn, keys)) };
    const writes = new GroupCommit(locked, groups, () => {}, silentLogger);
    const flushes: number[] = [];
    writes.onFlush = (stats) => flushes.push(stats.commands);
    const acks: boolean[] = [];
    writes.submit(field, reportCommand(), (o) => acks.push(o.ack.ok));
    const first = writes.flush();
    // Arrive while the first batch waits for the lock.
    for (let i = 0; i < 4; i++) writes.submit(field, reportCommand(), (o) => acks.push(o.ack.ok));
    release();
    await first;
    await writes.flush();
    expect(acks).toEqual([true, true, true, true, true]);
    expect(flushes).toEqual([5]);
  });

  it('leaves the rest of the batch committed when a command in the middle is refused, and the refused one changes nothing', async () => {
    const { writes, submit, outcomes, events } = recorder();
    const before = counts();
    const valid = makeGroupInput();
    submit(field, reportCommand(valid));
    // Refused by a rule: the same group reported again under another command id (the schema's
    // refusals happen before a command reaches the batch: the handler parses it).
    submit(field, reportCommand(valid));
    submit(field, updateCommand(uuidv7(), 1, { notes: 'no such group' }));
    submit(field, reportCommand());
    await writes.flush();

    expect(outcomes.map((o) => (o.ack.ok ? 'ok' : o.ack.code))).toEqual(['ok', 'conflict', 'not_found', 'ok']);
    expect(counts()).toEqual({ groups: before.groups + 2, changeLog: before.changeLog + 2, idempotency: before.idempotency + 2, audit: before.audit + 2 });
    expect(events.filter((e) => e.kind === 'publish')).toHaveLength(2);
  });

  it('rolls back only the command that failed half-way through its writes', async () => {
    const failing = reportCommand();
    // A command that wrote its rows and then failed (a bug, a broken invariant): its savepoint goes.
    const service: Pick<GroupService, 'execute'> = {
      execute: (actor, command) =>
        repos.transaction(async () => {
          const outcome = await groups.execute(actor, command);
          if (command.commandId === failing.commandId) throw new Error('failed after writing');
          return outcome;
        }),
    };
    const { writes, submit, outcomes, events } = recorder(service);
    const before = counts();
    const first = reportCommand();
    const last = reportCommand();
    submit(field, first);
    submit(field, failing);
    submit(field, last);
    await writes.flush();

    expect(outcomes.map((o) => (o.ack.ok ? 'ok' : o.ack.code))).toEqual(['ok', 'internal', 'ok']);
    expect(counts()).toEqual({ groups: before.groups + 2, changeLog: before.changeLog + 2, idempotency: before.idempotency + 2, audit: before.audit + 2 });
    expect(await repos.groups.findById(failing.type === 'group.report' ? failing.group.id : '')).toBeNull();
    expect(await repos.idempotency.find(failing.commandId)).toBeNull();
    expect(events.filter((e) => e.kind === 'publish').map((e) => e.seq)).toEqual(outcomes.flatMap((o) => (o.ack.ok ? [o.ack.seq] : [])));
  });

  it('answers each command with its group as the whole batch left it, projected for the sender (protection rule 8)', async () => {
    // The acks go out after the batch commits: an ack carrying the state its own command made would
    // deliver a state a later command of the same batch had replaced (a place corrected, a flag set).
    const { writes, submit, outcomes } = recorder();
    const input = makeGroupInput({ location: { lat: 32.1, lon: 13.1, accuracyM: 10, placeName: 'Qzfirstplace', siteType: 'urban_dispersed', siteId: null } });
    submit(field, reportCommand(input));
    submit(coordinator, updateCommand(input.id, 1, { location: { ...input.location, placeName: 'Qzlaterplace' } }));
    await writes.flush();

    const [report, update] = outcomes.map((o) => o.ack);
    if (!report?.ok || !update?.ok) throw new Error('both commands apply');
    expect(JSON.stringify(report)).not.toContain('Qzfirstplace');
    expect(report.group?.view === 'full' && report.group.group.location.placeName).toBe('Qzlaterplace');
    expect(report.seq).toBeLessThan(update.seq);
  });

  it('stores one group and gives the same ack when one command id appears twice in a batch', async () => {
    const { writes, submit, outcomes, events } = recorder();
    const before = counts();
    const command = reportCommand();
    submit(field, command);
    submit(field, command);
    await writes.flush();

    expect(outcomes[0]?.ack.ok).toBe(true);
    expect(outcomes[1]?.ack).toEqual(outcomes[0]?.ack);
    expect(counts().groups).toBe(before.groups + 1);
    expect(counts().changeLog).toBe(before.changeLog + 1);
    expect(events.filter((e) => e.kind === 'publish')).toHaveLength(1);
  });

  it('refuses another user’s command id even within the batch that first used it', async () => {
    const { writes, submit, outcomes } = recorder();
    const command = reportCommand();
    submit(field, command);
    submit(coordinator, {
      ...command,
      type: 'group.setStatus',
      groupId: command.type === 'group.report' ? command.group.id : '',
      baseVersion: 1,
      status: 'verified',
    } as Command);
    await writes.flush();

    expect(outcomes.map((o) => (o.ack.ok ? 'ok' : o.ack.code))).toEqual(['ok', 'invalid']);
  });

  it('judges a base version against the earlier commands of the same batch', async () => {
    const { writes, submit, outcomes } = recorder();
    const group = makeGroupInput();
    submit(field, reportCommand(group));
    submit(field, updateCommand(group.id, 1, { notes: 'first edit' }));
    submit(coordinator, statusCommand(group.id, 1, 'verified'));
    submit(coordinator, statusCommand(group.id, 2, 'verified'));
    await writes.flush();

    // Judged in order (the third met version 2 and was refused); answered, like every ack of a
    // batch, with the group as the batch left it (version 3): see the test above.
    const result = outcomes.map((o) => (o.ack.ok ? `ok v${expectOk(o.ack).group.version}` : o.ack.code));
    expect(result).toEqual(['ok v3', 'ok v3', 'conflict', 'ok v3']);
    expect(outcomes.map((o) => (o.ack.ok ? o.ack.seq : null))).toEqual([expect.any(Number), expect.any(Number), null, expect.any(Number)]);
    const conflict = outcomes[2]?.ack;
    expect(conflict && !conflict.ok && conflict.current?.view === 'full' ? conflict.current.group.version : null).toBe(3);
    expect(await repos.groups.findById(group.id)).toMatchObject({ version: 3, status: 'verified', notes: 'first edit' });
  });
});

describe('group commit over sockets', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ socketRate: { perSecond: 1e6, burst: 1e6 } });
  });
  afterAll(async () => {
    await server.destroy();
  });

  it('acks every one of many concurrent commands from many sockets and stores each exactly once', async () => {
    const cookie = await signIn(server.url, server.accounts.field.username, server.accounts.field.password);
    const sockets: ClientSocket[] = await Promise.all(Array.from({ length: 20 }, () => connectAs(server.url, cookie)));
    const before = { groups: await server.countRows('groups'), log: await server.countRows('change_log'), idem: await server.countRows('idempotency') };
    const commands = sockets.map(() => Array.from({ length: 15 }, () => reportCommand()));

    // Every socket sends all its commands at once: they arrive together and share batches.
    const acks = await Promise.all(sockets.map((s, i) => Promise.all(commands[i]!.map((c) => s.timeout(20_000).emitWithAck('command', c)))));
    // And each one again: the repeats are answered from the idempotency records.
    const repeats = await Promise.all(sockets.map((s, i) => Promise.all(commands[i]!.map((c) => s.timeout(20_000).emitWithAck('command', c)))));

    const flat = acks.flat().map(expectOk);
    expect(flat).toHaveLength(300);
    expect(new Set(flat.map((a) => a.seq)).size).toBe(300);
    expect(repeats.flat()).toEqual(acks.flat());
    expect({ groups: await server.countRows('groups'), log: await server.countRows('change_log'), idem: await server.countRows('idempotency') }).toEqual({
      groups: before.groups + 300,
      log: before.log + 300,
      idem: before.idem + 300,
    });
    for (const s of sockets) s.close();
  });
});

describe('group commit and the live feed', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ socketRate: { perSecond: 1e6, burst: 1e6 } });
  });
  afterAll(async () => {
    await server.destroy();
  });

  it('delivers every committed change once, in commit order, whether alone or batched', async () => {
    const [field, coordinator] = await Promise.all([connectFixture(server, 'field'), connectFixture(server, 'coordinator')]);
    const received = collectChanges(coordinator);

    const acks = (await Promise.all(Array.from({ length: 30 }, () => sendCommand(field, reportCommand())))).map(expectOk);
    await requestSync(coordinator, 0); // a barrier: every change sent before the last ack has arrived

    const seqs = acks.map((a) => a.seq).sort((a, b) => a - b);
    expect(received.map((c) => c.seq)).toEqual(seqs);
    field.close();
    coordinator.close();
  });
});

describe('group commit and a crash', () => {
  let child: ChildServer | null = null;
  const sockets: ClientSocket[] = [];

  afterAll(async () => {
    for (const s of sockets) s.close();
    await child?.destroy();
  });

  it('keeps every acknowledged command when the server is killed (SIGKILL) under load', { timeout: 90_000 }, async () => {
    child = await createChildServer();
    await child.start();
    const cookie = await signIn(child.url, DEMO_USERS.field, DEMO_PASSWORD);
    for (let i = 0; i < 20; i++) sockets.push(await connectAs(child.url, cookie));
    const acked: { commandId: string; groupId: string; seq: number }[] = [];
    let stopped = false;
    let killed: Promise<void> | null = null;

    const loops = sockets.map(async (socket) => {
      while (!stopped) {
        const command = reportCommand();
        try {
          const ack = await socket.timeout(5_000).emitWithAck('command', command);
          if (ack.ok && command.type === 'group.report') acked.push({ commandId: command.commandId, groupId: command.group.id, seq: ack.seq });
        } catch {
          return; // the connection died with the server: this command may or may not be stored
        }
        if (acked.length >= 400 && !killed) killed = child!.kill();
      }
    });
    await Promise.race([Promise.all(loops), new Promise((resolve) => setTimeout(resolve, 60_000))]);
    stopped = true;
    expect(killed).not.toBeNull();

    // Restarted on the same file: every acknowledged command is there, once.
    await child.start();
    const db = openDatabase(child.databaseFile, { readonly: true });
    try {
      const commandIds = new Set(
        db
          .prepare<[], { id: string }>('SELECT command_id AS id FROM idempotency')
          .all()
          .map((r) => r.id),
      );
      const groupIds = new Set(
        db
          .prepare<[], { id: string }>('SELECT id FROM groups')
          .all()
          .map((r) => r.id),
      );
      const seqs = new Set(
        db
          .prepare<[], { seq: number }>('SELECT seq FROM change_log')
          .all()
          .map((r) => r.seq),
      );
      expect(acked.filter((a) => !commandIds.has(a.commandId))).toEqual([]);
      expect(acked.filter((a) => !groupIds.has(a.groupId))).toEqual([]);
      expect(acked.filter((a) => !seqs.has(a.seq))).toEqual([]);
      expect(db.prepare<[], { integrity_check: string }>('PRAGMA integrity_check').get()?.integrity_check).toBe('ok');
    } finally {
      db.close();
    }
    // And the server answers again.
    const socket = await connectUser(child.url, { username: DEMO_USERS.field, password: DEMO_PASSWORD });
    sockets.push(socket);
    expectOk(await socket.timeout(10_000).emitWithAck('command', reportCommand()));
  });
});
