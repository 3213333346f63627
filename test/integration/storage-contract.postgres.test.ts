import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database';
import { assertDurableCommits, openPostgres, PostgresOpenError, redactDatabaseUrl } from '../../server/db/postgres';
import type { Repositories } from '../../server/repositories/contract';
import { openPostgresRepositories, TransactionAbortedError, UnstorableTextError } from '../../server/repositories/pg/pg-store';
import { makeGroup } from '../support/factories';
import { makeCrisis, postgresEngine, signal } from '../support/storage-fixtures';

/**
 * What only PostgreSQL has to prove, beyond the contract suite both engines pass
 * (storage-contract.test.ts): several nodes on one database, migrations racing, a crash.
 */

const seqsOf = (records: { seq: number }[]): number[] => records.map((r) => r.seq);

describe('storage contract, PostgreSQL only', () => {
  const engine = postgresEngine();
  beforeAll(() => engine.setUp());
  afterAll(() => engine.tearDown());

  it('hands out seqs 1..N with none a reader could skip, under three nodes writing at once', async () => {
    const url = await engine.harness().createDatabase();
    const nodes = await Promise.all([0, 1, 2].map(() => openPostgresRepositories(url, { max: 3 })));
    const reader = await openPostgresRepositories(url, { max: 2 });
    try {
      const crisis = makeCrisis();
      await reader.crises.insert(crisis);
      const rounds = 20;
      const write = async (node: Repositories): Promise<void> => {
        for (let i = 0; i < rounds; i++) {
          const group = makeGroup({ crisisId: crisis.id });
          await node
            .transaction(async () => {
              await node.groups.insert(group);
              await node.changeLog.appendGroupChange('group.report', group, null, group.updatedAt);
              await node.changeLog.appendGroupChange('group.setStatus', { ...group, version: 2, status: 'verified' }, null, group.updatedAt);
              // Every fifth transaction rolls back after taking its numbers: they must be handed out again.
              if (i % 5 === 4) throw new Error('on purpose');
            })
            .catch((error: unknown) => {
              if (!(error instanceof Error && error.message === 'on purpose')) throw error;
            });
        }
      };
      let writing = true;
      let last = 0;
      let reads = 0;
      const seen: number[] = [];
      const readOnce = async (): Promise<void> => {
        // The catch-up loop a node runs: everything up to the head it just saw, then from there.
        const head = await reader.changeLog.headSeq();
        seen.push(...seqsOf(await reader.changeLog.listRange(last, head, 1_000_000)));
        last = head;
        reads++;
      };
      const reading = (async () => {
        while (writing) await readOnce();
      })();
      await Promise.all(nodes.map(write));
      writing = false;
      await reading;
      await readOnce();
      const committed = 3 * (rounds - rounds / 5) * 2;
      const final = seqsOf(await reader.changeLog.listRange(0, Number.MAX_SAFE_INTEGER, 1_000_000));
      expect(final).toEqual(Array.from({ length: committed }, (_, i) => i + 1));
      expect(seen).toEqual(final);
      expect(reads).toBeGreaterThan(2);
    } finally {
      await Promise.all([...nodes, reader].map((r) => r.close()));
    }
  });

  it("has SQLite's tables, columns, types, nullability and indexes, and keeps audit append-only", async () => {
    const sqlite = openDatabase(':memory:');
    const pool = await openPostgres(await engine.harness().createDatabase(), { max: 1 });
    try {
      const pgType: Record<string, string[]> = { INTEGER: ['integer', 'bigint'], TEXT: ['text'], REAL: ['double precision'] };
      const tables = sqlite
        .prepare<[], { name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('sqlite_sequence', 'schema_migrations') ORDER BY name",
        )
        .all()
        .map((t) => t.name);
      // 17 with sites, 19 with movements and their manifests' index (issue 20).
      expect(tables).toHaveLength(19);
      for (const table of tables) {
        const inSqlite = sqlite.prepare<[], { name: string; type: string; notnull: number; pk: number }>(`SELECT * FROM pragma_table_info('${table}')`).all();
        const { rows: inPostgres } = await pool.query<{ column_name: string; data_type: string; is_nullable: string }>(
          "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name <> 'report_order' ORDER BY ordinal_position",
          [table],
        );
        expect(inPostgres.map((c) => c.column_name)).toEqual(inSqlite.map((c) => c.name));
        inSqlite.forEach((column, i) => {
          const other = inPostgres[i]!;
          expect(pgType[column.type], `${table}.${column.name}`).toContain(other.data_type);
          expect(other.is_nullable === 'NO', `${table}.${column.name} NOT NULL`).toBe(column.notnull === 1 || column.pk > 0);
        });
      }
      const sqliteIndexes = sqlite
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        .all()
        .map((i) => i.name);
      const { rows: pgIndexes } = await pool.query<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()');
      expect(pgIndexes.map((i) => i.indexname)).toEqual(expect.arrayContaining(sqliteIndexes));
      await pool.query("INSERT INTO audit (at, action, outcome) VALUES ('2026-01-01T00:00:00.000Z', 'audit.read', 'ok')");
      await expect(pool.query("UPDATE audit SET outcome = 'failed'")).rejects.toThrow('audit is append-only');
      await expect(pool.query('DELETE FROM audit')).rejects.toThrow('audit is append-only');
      await expect(pool.query('TRUNCATE audit')).rejects.toThrow('audit is append-only');
    } finally {
      sqlite.close();
      await pool.end();
    }
  });

  it("makes a write transaction on another node wait at BEGIN until the open one ends (SQLite's BEGIN IMMEDIATE)", async () => {
    const url = await engine.harness().createDatabase();
    const [first, second] = await Promise.all([openPostgresRepositories(url, { max: 2 }), openPostgresRepositories(url, { max: 2 })]);
    const finish = signal();
    try {
      const events: string[] = [];
      const holding = signal();
      const one = first.transaction(async () => {
        events.push('first begins');
        holding.resolve();
        await finish.promise;
        events.push('first ends');
      });
      await holding.promise;
      const two = second.transaction(async () => {
        events.push('second begins');
      });
      // Wait until the second transaction either runs or waits for the lock; it must be waiting.
      for (;;) {
        if (events.includes('second begins')) break;
        const { rows } = await first.pool.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        );
        if (rows[0]?.n === '1') break;
      }
      expect(events).toEqual(['first begins']);
      finish.resolve();
      await Promise.all([one, two]);
      expect(events).toEqual(['first begins', 'first ends', 'second begins']);
    } finally {
      // A failed expectation must not leave the first transaction (and close()) waiting forever.
      finish.resolve();
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('applies each migration exactly once when three nodes start together on a new database', async () => {
    const url = await engine.harness().createDatabase();
    const pools = await Promise.all([0, 1, 2].map(() => openPostgres(url, { max: 2 })));
    try {
      const files = fs.readdirSync(new URL('../../server/db/pg-migrations/', import.meta.url)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f));
      const { rows } = await pools[0]!.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(files.map((f) => Number(f.split('_')[0])).sort((a, b) => a - b));
      for (const pool of pools) expect((await pool.query<{ n: string }>('SELECT count(*) AS n FROM change_head')).rows[0]?.n).toBe('1');
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('refuses to commit a transaction in which a caught statement failure aborted everything', async () => {
    const url = await engine.harness().createDatabase();
    const repos = await openPostgresRepositories(url);
    try {
      const crisis = makeCrisis();
      await expect(
        repos.transaction(async () => {
          await repos.crises.insert(crisis);
          await repos.crises.insert(crisis).catch(() => undefined);
        }),
      ).rejects.toThrow(TransactionAbortedError);
      expect(await repos.crises.findById(crisis.id)).toBeNull();
    } finally {
      await repos.close();
    }
  });

  it('runs every connection with synchronous_commit on, and refuses one that runs without it', async () => {
    const url = await engine.harness().createDatabase();
    const pool = await openPostgres(url, { max: 1 });
    const client = await pool.connect();
    try {
      expect((await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]?.synchronous_commit).toBe('on');
      await expect(assertDurableCommits(client, url)).resolves.toBeUndefined();
      await client.query('SET synchronous_commit = off');
      await expect(assertDurableCommits(client, url)).rejects.toThrow(/synchronous_commit = off/);
    } finally {
      client.release(true);
      await pool.end();
    }
  });

  it('refuses text holding a NUL character with a named error (PostgreSQL text cannot hold one)', async () => {
    const repos = await openPostgresRepositories(await engine.harness().createDatabase(), { max: 1 });
    try {
      await expect(repos.crises.insert(makeCrisis({ name: 'a\u0000b' }))).rejects.toThrow(UnstorableTextError);
      await expect(repos.sessions.connections(['ok', 'a\u0000b'])).rejects.toThrow(UnstorableTextError);
      expect(await repos.crises.count()).toBe(0);
    } finally {
      await repos.close();
    }
  });

  it('never shows the password when the database cannot be reached', async () => {
    expect(redactDatabaseUrl('postgres://waymark:s3cret@db.example:5432/waymark')).toBe('postgres://waymark:***@db.example:5432/waymark');
    const opening = openPostgres('postgres://waymark:s3cret@127.0.0.1:1/waymark');
    await expect(opening).rejects.toThrow(PostgresOpenError);
    await expect(opening).rejects.toThrow(/waymark:\*\*\*@127\.0\.0\.1:1/);
    await expect(opening).rejects.not.toThrow(/s3cret/);
  });

  it('keeps a committed write through a crash, loses the open transaction, and the pool recovers', async () => {
    const harness = engine.harness();
    const url = await harness.createDatabase();
    const errors: Error[] = [];
    const repos = await openPostgresRepositories(url, { onError: (error) => errors.push(error) });
    try {
      const kept = makeCrisis();
      await repos.transaction(() => repos.crises.insert(kept));
      const lost = makeCrisis();
      const inside = signal();
      const carryOn = signal();
      const open = repos.transaction(async () => {
        await repos.crises.insert(lost);
        inside.resolve();
        await carryOn.promise;
        await repos.crises.count();
      });
      await inside.promise;
      await harness.stopImmediate();
      carryOn.resolve();
      await expect(open).rejects.toThrow();
      await harness.start();
      expect(await repos.crises.findById(kept.id)).toEqual(kept);
      expect(await repos.crises.findById(lost.id)).toBeNull();
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await repos.close();
    }
  });
});
