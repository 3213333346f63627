import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import { openPostgres, WRITE_LOCK_KEY, type PostgresOptions } from '../../db/postgres';
import type { Repositories } from '../contract';
import { PgAdminAreaRepository } from './admin-area.repository';
import { PgAgencyRepository } from './agency.repository';
import { PgApiTokenRepository } from './api-token.repository';
import { PgAuditRepository } from './audit.repository';
import { PgChangeLogRepository } from './change-log.repository';
import { PgCrisisRepository } from './crisis.repository';
import { PgGroupRepository } from './group.repository';
import { PgIdempotencyRepository } from './idempotency.repository';
import { PgImportRepository } from './import.repository';
import type { Queryable } from './queryable';
import { PgSessionRepository } from './session.repository';
import { PgSitrepRepository } from './sitrep.repository';
import { PgUserRepository } from './user.repository';

/** An open transaction: its connection, and how deep its savepoints go. */
interface OpenTransaction {
  client: pg.PoolClient;
  depth: number;
  /** A savepoint could not be rolled back to: the connection is not to be reused. */
  broken: boolean;
  /** COMMIT or ROLLBACK has run and the connection went back to the pool. */
  ended: boolean;
}

/** A transaction could not commit: a failed statement inside it had already aborted it, so none of its writes were kept. */
export class TransactionAbortedError extends Error {
  override readonly name = 'TransactionAbortedError';
}

/** A value holds a NUL character, which PostgreSQL text cannot store (SQLite can): refused by name, before the server answers with a bare encoding error. */
export class UnstorableTextError extends Error {
  override readonly name = 'UnstorableTextError';
}

const holdsNul = (value: unknown): boolean => (typeof value === 'string' ? value.includes('\u0000') : Array.isArray(value) && value.some(holdsNul));

/**
 * Transactions over a pg pool. A transaction holds one pooled connection from BEGIN to COMMIT;
 * AsyncLocalStorage follows `fn` through its awaits, so every repository call made inside it runs
 * on that connection, and a call made by anyone else goes to the pool (another connection, which
 * does not see the uncommitted writes and is not rolled back with them).
 */
export class PgStore implements Queryable {
  readonly #pool: pg.Pool;
  readonly #scope = new AsyncLocalStorage<OpenTransaction>();
  readonly #onError: ((error: Error) => void) | undefined;
  #closed = false;

  constructor(pool: pg.Pool, onError?: (error: Error) => void) {
    this.#pool = pool;
    this.#onError = onError;
  }

  get pool(): pg.Pool {
    return this.#pool;
  }

  /**
   * The caller's open transaction. AsyncLocalStorage also follows work that `fn` started and did
   * not await; once the transaction has ended, such work is outside it, as on SQLite, and must not
   * reach a connection that went back to the pool (it may be in someone else's transaction).
   */
  #current(): OpenTransaction | undefined {
    const open = this.#scope.getStore();
    return open && !open.ended ? open : undefined;
  }

  /** Whether the caller runs inside a transaction of this store. */
  inTransaction(): boolean {
    return this.#current() !== undefined;
  }

  /** Runs a statement on the caller's transaction, or on the pool outside one. */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    if (values?.some(holdsNul)) return Promise.reject(new UnstorableTextError('a text value holds a NUL character, which PostgreSQL cannot store'));
    const open = this.#current();
    if (open) return open.client.query<R>(text, values);
    if (this.#closed) return Promise.reject(new Error('the database is closed'));
    return this.#pool.query<R>(text, values);
  }

  /** Runs `fn` in a transaction opened by the `begin` SQL, or in a savepoint when one is open. */
  async transaction<T>(fn: () => Promise<T>, begin: string): Promise<T> {
    const own = this.#current();
    if (own) return this.#savepoint(own, fn);
    if (this.#closed) throw new Error('the database is closed');
    const client = await this.#pool.connect();
    // A checked-out connection that breaks between statements (the server restarted) emits
    // 'error'; unheard, that would end the process. The statement in flight fails on its own.
    const onClientError = (error: Error): void => this.#onError?.(error);
    client.on('error', onClientError);
    let healthy = true;
    const open: OpenTransaction = { client, depth: 0, broken: false, ended: false };
    try {
      try {
        await client.query(begin);
      } catch (error) {
        healthy = false;
        throw error;
      }
      let result: T;
      try {
        result = await this.#scope.run(open, fn);
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          // The connection is gone or confused; it is destroyed below, and the server rolls back.
          healthy = false;
        }
        throw error;
      }
      let outcome: pg.QueryResult;
      try {
        outcome = await client.query('COMMIT');
      } catch (error) {
        healthy = false;
        throw error;
      }
      // Unlike SQLite, a failed statement aborts the whole PostgreSQL transaction, and COMMIT then
      // answers ROLLBACK without an error. If `fn` caught that failure and went on, reporting
      // success here would acknowledge writes that are gone.
      if (outcome.command !== 'COMMIT') throw new TransactionAbortedError('the transaction was rolled back: a statement in it failed and was caught');
      return result;
    } finally {
      open.ended = true;
      client.off('error', onClientError);
      if (open.broken) healthy = false;
      // Passing true destroys the connection instead of returning it to the pool half-way through.
      client.release(!healthy);
    }
  }

  async #savepoint<T>(open: OpenTransaction, fn: () => Promise<T>): Promise<T> {
    const name = `sp${++open.depth}`;
    try {
      await open.client.query(`SAVEPOINT ${name}`);
      try {
        const result = await fn();
        await open.client.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (error) {
        // An error left the transaction aborted; rolling back to the savepoint makes it usable again.
        try {
          await open.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
          await open.client.query(`RELEASE SAVEPOINT ${name}`);
        } catch {
          // The caller gets the first error; the outer COMMIT will find the transaction aborted.
          open.broken = true;
        }
        throw error;
      }
    } finally {
      open.depth--;
    }
  }

  /** Refuses new work and ends the pool once every checked-out connection is back. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}

/** Builds the PostgreSQL repositories over `pool` (already migrated) behind the storage contract. */
export function createPostgresRepositories(pool: pg.Pool, onError?: (error: Error) => void): Repositories & { pool: pg.Pool; store: PgStore } {
  const store = new PgStore(pool, onError);
  // One round trip: BEGIN and the lock go together as a multi-statement (simple protocol) query.
  const beginWrite = `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY.toString()})`;
  return {
    engine: 'postgres',
    pool,
    store,
    crises: new PgCrisisRepository(store),
    agencies: new PgAgencyRepository(store),
    users: new PgUserRepository(store),
    sessions: new PgSessionRepository(store),
    groups: new PgGroupRepository(store),
    changeLog: new PgChangeLogRepository(store),
    idempotency: new PgIdempotencyRepository(store),
    audit: new PgAuditRepository(store),
    sitreps: new PgSitrepRepository(store),
    imports: new PgImportRepository(store),
    apiTokens: new PgApiTokenRepository(store),
    adminAreas: new PgAdminAreaRepository(store),
    transaction: (fn) => store.transaction(fn, beginWrite),
    // One snapshot for every read; READ ONLY also makes a stray write fail loudly instead of racing the writers.
    readTransaction: (fn) => store.transaction(fn, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'),
    inTransaction: () => store.inTransaction(),
    close: () => store.close(),
  };
}

/** Opens the PostgreSQL database at `url` (migrating it) and builds the repositories over it. */
export async function openPostgresRepositories(url: string, opts: PostgresOptions = {}): Promise<Repositories & { pool: pg.Pool; store: PgStore }> {
  const pool = await openPostgres(url, opts);
  return createPostgresRepositories(pool, opts.onError);
}
