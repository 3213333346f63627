import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { openDatabase } from '../../server/db/database';
import type { Engine, Repositories } from '../../server/repositories/contract';
import { openPostgresRepositories } from '../../server/repositories/pg/pg-store';
import { createSqliteRepositories } from '../../server/repositories/sqlite-store';
import type { UserRecord } from '../../server/repositories/user.repository';
import type { Agency } from '../../shared/schemas/agency.schema';
import type { Crisis } from '../../shared/schemas/crisis.schema';
import { startPostgres, type PgHarness } from './postgres';

/** One engine's fresh database: its repositories, and a way to open a second connection to the same data. */
export interface OpenedStore {
  repos: Repositories;
  /** Another `Repositories` on the same database (another process's, or another node's). */
  another(): Promise<Repositories>;
  /** Runs raw SQL on the database (`?` placeholders on both engines): rows only old versions wrote. */
  exec(sql: string, params: unknown[]): Promise<void>;
  /** Closes everything opened here. */
  close(): Promise<void>;
}

/** How to get a fresh, empty, migrated database of one engine. */
export interface EngineUnderTest {
  engine: Engine;
  /** Prepares what every database of this engine needs (a PostgreSQL server); call once per suite. */
  setUp(): Promise<void>;
  open(): Promise<OpenedStore>;
  tearDown(): Promise<void>;
}

/** SQLite in a temporary folder, a new file per database. */
export function sqliteEngine(): EngineUnderTest {
  let dir = '';
  return {
    engine: 'sqlite',
    setUp: async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-contract-'));
    },
    open: async () => {
      const file = path.join(dir, `${uuidv7()}.db`);
      const all = [createSqliteRepositories(openDatabase(file))];
      return {
        repos: all[0]!,
        exec: async (sql, params) => {
          await all[0]!.sqlite.run(() => all[0]!.sqlite.db.prepare(sql).run(...params));
        },
        another: async () => {
          const repos = createSqliteRepositories(openDatabase(file));
          all.push(repos);
          return repos;
        },
        close: async () => {
          for (const repos of all) await repos.close();
        },
      };
    },
    tearDown: async () => {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** PostgreSQL on a throwaway server, a new database per `open`. */
export function postgresEngine(): EngineUnderTest & { harness(): PgHarness } {
  let server: PgHarness | null = null;
  const harness = (): PgHarness => {
    if (!server) throw new Error('setUp() first');
    return server;
  };
  return {
    engine: 'postgres',
    harness,
    setUp: async () => {
      server = await startPostgres();
    },
    open: async () => {
      const url = await harness().createDatabase();
      const all = [await openPostgresRepositories(url, { max: 4 })];
      return {
        repos: all[0]!,
        exec: async (sql, params) => {
          let n = 0;
          await all[0]!.store.query(
            sql.replace(/\?/g, () => `$${++n}`),
            params,
          );
        },
        another: async () => {
          const repos = await openPostgresRepositories(url, { max: 4 });
          all.push(repos);
          return repos;
        },
        close: async () => {
          for (const repos of all) await repos.close();
        },
      };
    },
    tearDown: async () => {
      await server?.stop();
      server = null;
    },
  };
}

/** A valid crisis, with overrides. */
export function makeCrisis(overrides: Partial<Crisis> = {}): Crisis {
  return {
    id: uuidv7(),
    name: 'Test crisis',
    type: 'conflict',
    hostCountry: 'LBN',
    phase: 'emergency_response',
    area: [35, 33, 36.5, 34.7],
    isDemo: false,
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}

/** A valid agency (an NGO), with overrides. */
export function makeAgency(overrides: Partial<Agency> = {}): Agency {
  return { id: uuidv7(), name: 'Test agency', acronym: `A${uuidv7().slice(-6)}`, type: 'ingo', servesState: null, ...overrides } as Agency;
}

/** A valid user record, with overrides. */
export function makeUser(overrides: Partial<UserRecord> = {}): UserRecord {
  const id = uuidv7();
  return {
    id,
    username: `user-${id.slice(-8)}`,
    displayName: 'Test user',
    role: 'coordinator',
    agencyId: null,
    crisisId: null,
    passwordHash: 'hash',
    disabled: false,
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}

/** A promise with its resolve function outside, to hand control between two sides of a test. */
export function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
