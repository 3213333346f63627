import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/db/database';
import { silentLogger, type Logger } from '../../server/log';
import { createRepositories, type Repositories } from '../../server/repositories/repositories';
import { AdminService } from '../../server/services/admin.service';
import { AuthService } from '../../server/services/auth.service';
import type { Actor, CommandOutcome, CommittedChange } from '../../server/services/group.service';
import { DEFAULT_SESSION_POLICY } from '../../server/config';
import { WorkerGroupCommit } from '../../server/write/worker-group-commit';
import type { Command } from '../../shared/schemas/command.schema';
import { collectChanges, connectFixture, expectOk, reportCommand, requestSync, sendCommand, updateCommand } from '../support/clients';
import { startTestServer, type TestServer } from '../support/server';

// The group commit on a worker thread (server/write/worker-group-commit.ts): the worker owns its own
// connection to the file and runs each batch as GroupCommit does; this thread publishes and answers.
// Commands queued in one turn share one batch.

/** Resolves once `count` workers of this writer have opened their connection (2: the first restart). */
function workerReady(writes: WorkerGroupCommit, count: number): Promise<void> {
  return new Promise((resolve) => {
    if (writes.workerReadyCount >= count) resolve();
    else
      writes.onWorkerReady = (ready) => {
        if (ready >= count) resolve();
      };
  });
}

describe(WorkerGroupCommit.name, () => {
  let dir: string;
  let file: string;
  let db: Db;
  let repos: Repositories;
  let field: Actor;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'waymark-write-worker-'));
    file = path.join(dir, 'waymark.db');
    db = openDatabase(file);
    repos = createRepositories(db);
    const admin = new AdminService(repos, { scrypt: { N: 1024, r: 8, p: 1 } });
    const crisis = admin.createCrisis({
      name: 'Worker crisis',
      type: 'conflict',
      hostCountry: 'LBY',
      phase: 'emergency_response',
      area: [9.3, 19.5, 25.2, 33.2],
    });
    const auth = new AuthService(repos, DEFAULT_SESSION_POLICY);
    const user = await admin.createUser({
      username: 'worker-field',
      password: 'worker-password-1',
      role: 'field',
      displayName: 'worker-field',
      agency: null,
      crisisId: crisis.id,
    });
    const record = repos.users.findById(user.id);
    if (!record) throw new Error('user not stored');
    field = { userId: user.id, audience: auth.audienceOf(record) };
  });
  afterAll(async () => {
    db.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const count = (table: string) => db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).get()?.n ?? 0;
  const counts = () => ({ groups: count('groups'), changeLog: count('change_log'), idempotency: count('idempotency'), audit: count('audit') });

  /** A worker group commit whose publications and answers are recorded in the order they happen. */
  function recorder(logger: Logger = silentLogger, databaseFile = file) {
    const events: { kind: 'publish' | 'ack'; seq?: number; index?: number }[] = [];
    const writes = new WorkerGroupCommit(
      databaseFile,
      (changes: readonly CommittedChange[]) => {
        for (const change of changes) events.push({ kind: 'publish', seq: change.seq });
      },
      logger,
    );
    const submit = (actor: Actor, command: Command): Promise<CommandOutcome> => {
      return new Promise((resolve) =>
        writes.submit(actor, command, (outcome) => {
          events.push({ kind: 'ack' });
          resolve(outcome);
        }),
      );
    };
    return { writes, submit, events };
  }

  it('commits a batch in arrival order, publishes it in commit order before any answer, and a repeated command id finds the first', async () => {
    const { writes, submit, events } = recorder();
    try {
      const before = counts();
      const commands = Array.from({ length: 12 }, () => reportCommand());
      const flushes: number[] = [];
      writes.onFlush = (stats) => flushes.push(stats.commands);
      const pending = commands.map((command) => submit(field, command));
      // The first report again (same command id), and an edit of the second based on its first version:
      // both judged after the commands before them in the same batch.
      pending.push(submit(field, commands[0]!));
      const second = commands[1]!;
      if (second.type !== 'group.report') throw new Error('expected a report');
      pending.push(submit(field, updateCommand(second.group.id, 1, { notes: 'edited in the same batch' })));
      const outcomes = await Promise.all(pending);

      expect(flushes).toEqual([14]);
      const acks = outcomes.map((o) => expectOk(o.ack));
      const seqs = acks.map((a) => a.seq);
      // Arrival order is commit order; the repeat answers with the first's sequence number and writes nothing.
      expect(seqs.slice(0, 12)).toEqual([...seqs.slice(0, 12)].sort((a, b) => a - b));
      expect(seqs[12]).toBe(seqs[0]);
      expect(seqs[13]).toBeGreaterThan(seqs[11]!);
      expect(acks[13]!.group.version).toBe(2);
      expect(counts()).toEqual({
        groups: before.groups + 12,
        changeLog: before.changeLog + 13,
        idempotency: before.idempotency + 13,
        audit: before.audit + 13,
      });
      // Every change of the batch is published (once, in commit order) before the first answer.
      const published = events.filter((e) => e.kind === 'publish').map((e) => e.seq);
      expect(published).toEqual([...seqs.slice(0, 12), seqs[13]]);
      expect(events.findIndex((e) => e.kind === 'ack')).toBe(13);
    } finally {
      await writes.close();
    }
  });

  it('answers `internal` and publishes nothing when the worker dies mid-batch, then starts another that commits the retry', async () => {
    const errors: string[] = [];
    const logger: Logger = { ...silentLogger, error: (event) => errors.push(event) };
    const { writes, submit, events } = recorder(logger);
    try {
      await workerReady(writes, 1);
      const before = counts();
      writes.crashNextBatch();
      const commands = [reportCommand(), reportCommand(), reportCommand()];
      const outcomes = await Promise.all(commands.map((command) => submit(field, command)));

      expect(outcomes.map((o) => (o.ack.ok ? 'ok' : o.ack.code))).toEqual(['internal', 'internal', 'internal']);
      expect(events.filter((e) => e.kind === 'publish')).toEqual([]);
      expect(counts()).toEqual(before);
      expect(errors).toContain('write.worker_exited');

      // A new worker takes over; the clients' retries (same command ids) commit once each.
      await workerReady(writes, 2);
      const retried = await Promise.all(commands.map((command) => submit(field, command)));
      expect(retried.every((o) => o.ack.ok)).toBe(true);
      expect(events.filter((e) => e.kind === 'publish')).toHaveLength(3);
      expect(counts().groups).toBe(before.groups + 3);
      // The dead worker's connection let go of the write lock: the main connection writes too.
      expect(repos.transaction(() => repos.crises.count())).toBeGreaterThan(0);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(9_999, 'write_lock_probe', 'now');
      db.prepare('DELETE FROM schema_migrations WHERE version = 9999').run();
    } finally {
      await writes.close();
    }
  });

  it('answers `internal` when the worker cannot open the database, instead of leaving the command waiting', async () => {
    const errors: string[] = [];
    const logger: Logger = { ...silentLogger, error: (event) => errors.push(event) };
    // A database path under a regular file: the worker's openDatabase fails at start.
    const blocker = path.join(dir, 'not-a-folder');
    await fs.writeFile(blocker, 'x');
    const { writes, submit, events } = recorder(logger, path.join(blocker, 'waymark.db'));
    try {
      const outcome = await submit(field, reportCommand());
      expect(outcome.ack.ok ? 'ok' : outcome.ack.code).toBe('internal');
      expect(events.filter((e) => e.kind === 'publish')).toEqual([]);
      expect(errors).toContain('write.worker_exited');
    } finally {
      await writes.close();
    }
  });

  it('answers what is waiting when closed, and `internal` after', async () => {
    const { writes, submit } = recorder();
    const waiting = submit(field, reportCommand());
    await writes.close();
    expect((await waiting).ack.ok).toBe(true);
    const late = await submit(field, reportCommand());
    expect(late.ack.ok ? 'ok' : late.ack.code).toBe('internal');
  });
});

describe('the app with its write worker', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ writeWorker: true, logger: silentLogger });
  });
  afterAll(async () => {
    await server.destroy();
  });

  it('answers a socket `internal` when the worker dies, publishes nothing, and commits the resent command once', async () => {
    const writes = server.writes;
    if (!(writes instanceof WorkerGroupCommit)) throw new Error('the app should write through its worker when asked');
    const field = await connectFixture(server, 'field');
    const coordinator = await connectFixture(server, 'coordinator');
    try {
      const received = collectChanges(coordinator);
      await workerReady(writes, 1);
      writes.crashNextBatch();
      const command = reportCommand();
      const refused = await sendCommand(field, command);
      expect(refused.ok ? 'ok' : refused.code).toBe('internal');
      await workerReady(writes, 2);
      const ack = expectOk(await sendCommand(field, command));
      // Every change sent to the coordinator before the sync's answer has arrived.
      await requestSync(coordinator, ack.seq);
      expect(received.map((change) => change.seq)).toEqual([ack.seq]);
      expect(server.countRows('groups')).toBeGreaterThan(0);
    } finally {
      field.close();
      coordinator.close();
    }
  });
});
