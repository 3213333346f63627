import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_POLICY } from '../../server/config';
import { openDatabase } from '../../server/db/database';
import { openPostgres } from '../../server/db/postgres';
import { silentLogger } from '../../server/log';
import type { Repositories } from '../../server/repositories/contract';
import { GROUP_DATA_FORMAT } from '../../server/repositories/group.repository';
import { openPostgresRepositories } from '../../server/repositories/pg/pg-store';
import { createRepositories } from '../../server/repositories/repositories';
import { AuthService } from '../../server/services/auth.service';
import { GroupService, type Actor, type CommandOutcome } from '../../server/services/group.service';
import type { WriteOutcome } from '../../server/services/command.service';
import { GroupCommit } from '../../server/write/group-commit';
import type { Command } from '../../shared/schemas/command.schema';
import { makeGroupInput, reportCommand, statusCommand, updateCommand } from '../support/clients';
import { startPostgres, type PgHarness } from '../support/postgres';
import { makeAgency, makeCrisis, makeUser } from '../support/storage-fixtures';

/**
 * The PostgreSQL batch transaction (`writeBatch`: pg/write-buffer.ts) holds a group-commit batch's
 * rows in memory and sends them in one statement before COMMIT. It must leave exactly what plain
 * transactions leave. The same script of batches (reports, edits of rows written earlier in the
 * same batch, stale versions, repeated command ids within and across batches, a command that
 * throws after writing, one that throws after reaching the database, a merge) runs through
 * GroupCommit on SQLite (plain transactions, one savepoint per command) and on PostgreSQL; the
 * acks and every row of the group tables must be the same, seq for seq.
 */

const FORMATS = 'SELECT seq, entity, data_format FROM change_log ORDER BY seq';
interface FormatRow {
  seq: number;
  entity: string;
  data_format: number | null;
}

const NOW = Date.parse('2026-12-06T09:00:00.000Z');
const SEPARATOR_NOTE = 'a record\u001eseparator, a unit\u001fseparator, a "quote", a back\\slash, a tab\t';
const crisis = makeCrisis({ hostCountry: 'LBY', area: [9.3, 19.5, 25.2, 33.2] });
const agency = makeAgency();
const fieldUser = makeUser({ role: 'field', crisisId: crisis.id });
const coordinatorUser = makeUser({ role: 'coordinator', crisisId: crisis.id });

interface Step {
  who: 'field' | 'coordinator';
  command: Command;
  /**
   * Throws after the command ran, inside its own nested transaction: its writes must vanish.
   * `'after-write'` first writes a row the batch does not hold (a crisis), straight to the database.
   */
  boom?: true | 'after-write';
}

/** The script, built once so both engines get the very same ids and payloads. */
function script(): Step[][] {
  const input = Array.from({ length: 8 }, () => makeGroupInput());
  const reports = input.map((group) => reportCommand(group));
  const [r1, r2, r3, r4, r5, r6, r7, r8] = reports as [Command, Command, Command, Command, Command, Command, Command, Command];
  const id = (i: number) => input[i]!.id;
  const needOf = (i: number) => input[i]!.needs[0]!.id;
  const assign = (i: number, baseVersion: number): Command => ({
    type: 'assignment.create',
    commandId: uuidv7(),
    groupId: id(i),
    baseVersion,
    assignment: { id: uuidv7(), needId: needOf(i), agencyId: agency.id, note: '', expectedBy: null },
  });
  return [
    [
      { who: 'field', command: r1 },
      { who: 'field', command: r2 },
      { who: 'field', command: r3, boom: true },
      { who: 'field', command: r4 },
      { who: 'field', command: r1 }, // the same command id again, in the same batch
      { who: 'field', command: r5 },
      { who: 'field', command: r6 },
    ],
    [
      { who: 'field', command: updateCommand(id(0), 1, { notes: 'first edit' }) },
      { who: 'field', command: updateCommand(id(0), 2, { notes: 'second edit, same batch' }) },
      { who: 'field', command: updateCommand(id(1), 1, { notes: 'edit' }) },
      { who: 'field', command: updateCommand(id(1), 1, { notes: 'stale' }) },
      { who: 'coordinator', command: statusCommand(id(3), 1, 'verified') },
      { who: 'field', command: r5 }, // repeated from the batch before
      { who: 'field', command: r7 },
    ],
    [
      { who: 'coordinator', command: assign(3, 2), boom: 'after-write' }, // reaches the database with a write, then throws
      { who: 'coordinator', command: assign(4, 1) },
      { who: 'coordinator', command: { type: 'group.merge', commandId: uuidv7(), groupId: id(5), baseVersion: 1, intoGroupId: id(0), intoBaseVersion: 3 } },
      { who: 'field', command: r8 },
    ],
    [
      // The JSON columns travel joined by the record separator (write-buffer.ts): a note holding
      // it, other control characters, quotes and backslashes must come back as it went.
      { who: 'field', command: updateCommand(id(1), 2, { notes: SEPARATOR_NOTE }) },
      { who: 'field', command: updateCommand(id(2), 1, { notes: 'never stored' }) },
      { who: 'field', command: r3 }, // its first try was rolled back: the id is free
      { who: 'coordinator', command: assign(3, 2) },
    ],
  ];
}

/**
 * Records every query asked of one of `pool`'s connections while another query on it has not
 * finished: what node-postgres 8 warns about ("already executing a query") and pg 9 refuses.
 */
function watchForOverlap(pool: pg.Pool): string[] {
  const overlapping: string[] = [];
  const watched = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => {
    if (watched.has(client)) return;
    watched.add(client);
    let running = 0;
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      const config = args[0] as string | { text?: string };
      if (running > 0) overlapping.push((typeof config === 'string' ? config : (config.text ?? '?')).slice(0, 60));
      const result = query(...args);
      if (result instanceof Promise) {
        running++;
        void result.then(
          () => running--,
          () => running--,
        );
      }
      return result;
    }) as typeof client.query;
  });
  return overlapping;
}

interface Run {
  acks: unknown[];
  tables: unknown;
}

async function runScript(repos: Repositories, batches: Step[][]): Promise<Run> {
  await repos.crises.insert(crisis);
  await repos.agencies.insert(agency, crisis.createdAt);
  await repos.users.insert(fieldUser);
  await repos.users.insert(coordinatorUser);
  const auth = new AuthService(repos, DEFAULT_SESSION_POLICY);
  const actors: Record<Step['who'], Actor> = {
    field: { userId: fieldUser.id, audience: await auth.audienceOf(fieldUser) },
    coordinator: { userId: coordinatorUser.id, audience: await auth.audienceOf(coordinatorUser) },
  };
  const groups = new GroupService(repos, () => NOW);
  const booms = new Map<Command, NonNullable<Step['boom']>>();
  // A command that throws after its writes, inside a nested transaction of its own.
  const service = {
    execute: (actor: Actor, command: Command): Promise<CommandOutcome> =>
      repos.transaction(async () => {
        const outcome = await groups.execute(actor, command);
        const boom = booms.get(command);
        if (boom === 'after-write') await repos.crises.insert(makeCrisis());
        if (boom) throw new Error('boom');
        return outcome;
      }),
  };
  const writes = new GroupCommit(repos, service, () => {}, silentLogger);
  const acks: unknown[] = [];
  for (const batch of batches) {
    const outcomes: Promise<WriteOutcome>[] = [];
    for (const step of batch) {
      if (step.boom) booms.set(step.command, step.boom);
      else booms.delete(step.command);
      outcomes.push(writes.execute(actors[step.who], step.command));
    }
    await writes.flush();
    for (const outcome of await Promise.all(outcomes)) {
      const ack = outcome.ack;
      acks.push(ack.ok ? { ok: true, seq: ack.seq, group: ack.group } : { ok: false, code: ack.code });
    }
  }
  const page = await repos.groups.pageByCrisis(crisis.id, 0, 1_000);
  const changes = await repos.changeLog.listRange(0, Number.MAX_SAFE_INTEGER, 1_000);
  const records = await Promise.all(batches.flat().map((step) => repos.idempotency.find(step.command.commandId)));
  const audit = await repos.audit.query({ crisisId: crisis.id, limit: 1_000 });
  return {
    acks,
    tables: {
      groups: page.map(({ group }) => group).sort((a, b) => a.id.localeCompare(b.id)),
      changes: changes.map((c) => ({ seq: c.seq, entityId: c.entityId, kind: c.kind, state: 'site' in c ? c.site : c.group, actor: c.actor, at: c.at })),
      records,
      audit: audit.map(({ action, recordId, userId, role, outcome }) => ({ action, recordId, userId, role, outcome })),
      head: await repos.changeLog.headSeq(),
    },
  };
}

describe('the PostgreSQL batch transaction', () => {
  let harness: PgHarness;
  let dir: string;
  beforeAll(async () => {
    harness = await startPostgres();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'waymark-write-batch-'));
  });
  afterAll(async () => {
    await harness.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('leaves the same acks and rows as plain transactions, and falls back to them only when it must', async () => {
    const batches = script();
    const db = openDatabase(path.join(dir, 'reference.db'));
    const sqlite = createRepositories(db);
    const reference = await runScript(sqlite, batches);
    // Every group change carries the format it was written in (read back as written), others none.
    const formats = db.prepare<[], FormatRow>(FORMATS).all();
    db.close();
    expect(formats.filter((row) => row.entity === 'group').map((row) => row.data_format)).toEqual(
      formats.filter((row) => row.entity === 'group').map(() => GROUP_DATA_FORMAT),
    );

    const retried: unknown[] = [];
    const url = await harness.createDatabase();
    const postgres = await openPostgresRepositories(url, { onBatchRetry: (cause) => retried.push(cause) });
    const overlapping = watchForOverlap(postgres.pool);
    try {
      const run = await runScript(postgres, batches);
      // node-postgres 8 queues a query asked of a connection while another runs, with a deprecation
      // warning, and pg 9 refuses it: a batch's lookups go to its connection in one statement.
      expect(overlapping).toEqual([]);
      expect(run.acks).toEqual(reference.acks);
      expect(run.tables).toEqual(reference.tables);
      const pool = await openPostgres(url, { max: 1 });
      try {
        expect((await pool.query<FormatRow>(FORMATS)).rows.map((row) => ({ ...row, seq: Number(row.seq) }))).toEqual(formats);
      } finally {
        await pool.end();
      }
      // The note with the separator in it is there, whole, in the group's row and in its change.
      const stored = JSON.stringify(run.tables);
      expect(stored.split(JSON.stringify(SEPARATOR_NOTE)).length - 1).toBeGreaterThanOrEqual(2);
    } finally {
      await postgres.close();
    }
    // The script means what it says: most commands applied, the seqs have no gap, and only the
    // batch whose failed command had written to the database outside the batch ran again plainly
    // (a failed command that only read, or only wrote what the batch holds, is undone in memory).
    const acks = reference.acks as { ok: boolean; code?: string }[];
    expect(acks.filter((a) => a.ok).length).toBe(18);
    expect(acks.map((a) => a.code ?? 'ok')).toEqual([
      ...['ok', 'ok', 'internal', 'ok', 'ok', 'ok', 'ok'],
      ...['ok', 'ok', 'ok', 'conflict', 'ok', 'ok', 'ok'],
      ...['internal', 'ok', 'ok', 'ok'],
      ...['ok', 'not_found', 'ok', 'ok'],
    ]);
    const { changes, head } = reference.tables as { changes: { seq: number }[]; head: number };
    expect(changes.map((c) => c.seq)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    expect(retried).toHaveLength(1);
  });
});
