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
import { PgMovementRepository } from './movement.repository';
import { refuseNul, type BufferedQueryable, type Lookup } from './queryable';

export { UnstorableTextError } from './queryable';
import { mustFlushFor, onlyReads, WriteBuffer } from './write-buffer';
import { PgRetentionRepository } from './retention.repository';
import { PgSessionRepository } from './session.repository';
import { PgSiteRepository } from './site.repository';
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
  /** A batch transaction's held writes (`batch`); null in a plain transaction. */
  buffer: WriteBuffer | null;
}

/** A batch transaction could not keep its writes in memory (see WriteBuffer): it is run again as a plain one. */
class BufferedBatchFailed extends Error {
  override readonly name = 'BufferedBatchFailed';
}

/** A transaction could not commit: a failed statement inside it had already aborted it, so none of its writes were kept. */
export class TransactionAbortedError extends Error {
  override readonly name = 'TransactionAbortedError';
}

/**
 * Transactions over a pg pool. A transaction holds one pooled connection from BEGIN to COMMIT;
 * AsyncLocalStorage follows `fn` through its awaits, so every repository call made inside it runs
 * on that connection, and a call made by anyone else goes to the pool (another connection, which
 * does not see the uncommitted writes and is not rolled back with them).
 */
export class PgStore implements BufferedQueryable {
  readonly #pool: pg.Pool;
  readonly #scope = new AsyncLocalStorage<OpenTransaction>();
  readonly #onError: ((error: Error) => void) | undefined;
  readonly #onBatchRetry: ((cause: unknown) => void) | undefined;
  #closed = false;

  constructor(pool: pg.Pool, onError?: (error: Error) => void, onBatchRetry?: (cause: unknown) => void) {
    this.#pool = pool;
    this.#onError = onError;
    this.#onBatchRetry = onBatchRetry;
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

  /**
   * Runs a statement on the caller's transaction, or on the pool outside one. In a batch
   * transaction, a statement on a table the buffer holds rows for sends them first, so it sees them.
   */
  async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    if (values) refuseNul(values);
    const open = this.#current();
    if (open?.buffer) {
      if (open.buffer.poisoned) throw open.buffer.poisoned;
      if (open.buffer.pending && mustFlushFor(text)) await this.#flush(open, open.buffer);
      // A read changes nothing an in-memory rollback would miss; anything else does.
      if (!onlyReads(text)) open.buffer.touch();
    }
    if (open) return open.client.query<R>(text, values);
    if (this.#closed) throw new Error('the database is closed');
    return this.#pool.query<R>(text, values);
  }

  /**
   * A lookup of one row the batch's pending writes do not touch (the repositories ask the buffer
   * first): runs at once, without flushing, and leaves the open scopes undoable in memory.
   */
  async read<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    const open = this.#current();
    if (open?.buffer?.poisoned) throw open.buffer.poisoned;
    if (open) return open.client.query<R>(text, values);
    return this.query<R>(text, values);
  }

  /**
   * Several lookups in one round trip: one multi-statement query (the simple protocol, so their
   * values are written in as escaped literals), each lookup handed its own statement's rows. Asked
   * as separate queries at once, they would be queued on one connection, which node-postgres 8
   * warns about and pg 9 refuses; asked one after another, each would wait for this process's
   * event loop (busy with sockets) while the write lock is held.
   */
  async readTogether(lookups: readonly (Lookup | null)[]): Promise<void> {
    const asked = lookups.filter((lookup): lookup is Lookup => lookup !== null);
    if (asked.length === 0) return;
    const open = this.#current();
    if (open?.buffer?.poisoned) throw open.buffer.poisoned;
    const text = asked.map((lookup) => lookup.text).join(';\n');
    const answer: unknown = open ? await open.client.query(text) : await this.query(text);
    // One result per statement; node-postgres gives a lone statement's result bare.
    const results = (Array.isArray(answer) ? answer : [answer]) as pg.QueryResult[];
    if (results.length !== asked.length) throw new Error(`${asked.length} lookups gave ${results.length} results`);
    asked.forEach((lookup, i) => lookup.learn(results[i]!.rows));
  }

  /** The caller's batch buffer, when it runs inside a batch transaction. */
  buffer(): WriteBuffer | null {
    return this.#current()?.buffer ?? null;
  }

  async #flush(open: OpenTransaction, buffer: WriteBuffer): Promise<void> {
    const flush = buffer.takeFlush();
    if (!flush) return;
    try {
      const { rows } = await open.client.query<{ updated: string }>(flush.text, flush.values);
      if (Number(rows[0]?.updated ?? 0) !== flush.updates) throw new Error('group update lost a race');
    } catch (error) {
      // The transaction is aborted (or a row was not where the buffer thought): the batch runs again plainly.
      buffer.poisoned ??= error instanceof Error ? error : new Error(String(error));
      throw buffer.poisoned;
    }
  }

  /**
   * Runs `fn` as a batch transaction: writes to the group tables are held in a WriteBuffer and
   * sent in one statement before COMMIT. If that cannot be done faithfully (a write failed, or a
   * nested transaction that reached the database rolled back), everything is rolled back and `fn`
   * runs again as a plain transaction, where each nested transaction is a real savepoint. `fn` must
   * therefore have no effect outside the database before it returns.
   */
  async batch<T>(fn: () => Promise<T>, begin: string): Promise<T> {
    if (this.#current()) return this.transaction(fn, begin);
    try {
      return await this.transaction(fn, begin, new WriteBuffer());
    } catch (error) {
      if (!(error instanceof BufferedBatchFailed)) throw error;
      this.#onBatchRetry?.(error.cause);
      return this.transaction(fn, begin);
    }
  }

  /** Runs `fn` in a transaction opened by the `begin` SQL, or in a savepoint when one is open. */
  async transaction<T>(fn: () => Promise<T>, begin: string, buffer: WriteBuffer | null = null): Promise<T> {
    const own = this.#current();
    if (own) return this.#savepoint(own, fn);
    if (this.#closed) throw new Error('the database is closed');
    const client = await this.#pool.connect();
    // A checked-out connection that breaks between statements (the server restarted) emits
    // 'error'; unheard, that would end the process. The statement in flight fails on its own.
    const onClientError = (error: Error): void => this.#onError?.(error);
    client.on('error', onClientError);
    let healthy = true;
    const open: OpenTransaction = { client, depth: 0, broken: false, ended: false, buffer };
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
        if (buffer) {
          if (buffer.poisoned) throw new BufferedBatchFailed('the batch could not be held in memory', { cause: buffer.poisoned });
          try {
            await this.#flush(open, buffer);
          } catch (error) {
            throw new BufferedBatchFailed("the batch's rows could not be written in one statement", { cause: error });
          }
        }
      } catch (error) {
        // Whatever `fn` made of a poisoned buffer's error, the batch is to run again plainly.
        const thrown =
          buffer?.poisoned && !(error instanceof BufferedBatchFailed)
            ? new BufferedBatchFailed('the batch failed while held in memory', { cause: buffer.poisoned })
            : error;
        try {
          await client.query('ROLLBACK');
        } catch {
          // The connection is gone or confused; it is destroyed below, and the server rolls back.
          healthy = false;
        }
        throw thrown;
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
    const buffer = open.buffer;
    if (buffer) {
      // In a batch, a nested transaction is a mark in the buffer's undo log: no round trips.
      buffer.begin();
      try {
        const result = await fn();
        buffer.release();
        return result;
      } catch (error) {
        buffer.rollback();
        throw error;
      }
    }
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
export function createPostgresRepositories(
  pool: pg.Pool,
  onError?: (error: Error) => void,
  onBatchRetry?: (cause: unknown) => void,
): Repositories & { pool: pg.Pool; store: PgStore } {
  const store = new PgStore(pool, onError, onBatchRetry);
  const groups = new PgGroupRepository(store);
  const idempotency = new PgIdempotencyRepository(store);
  const changeLog = new PgChangeLogRepository(store);
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
    groups,
    changeLog,
    idempotency,
    audit: new PgAuditRepository(store),
    sitreps: new PgSitrepRepository(store),
    imports: new PgImportRepository(store),
    apiTokens: new PgApiTokenRepository(store),
    retention: new PgRetentionRepository(store),
    adminAreas: new PgAdminAreaRepository(store),
    sites: new PgSiteRepository(store),
    movements: new PgMovementRepository(store),
    transaction: (fn) => store.transaction(fn, beginWrite),
    writeBatch: (fn, keys) =>
      store.batch(async () => {
        const { groupIds, commandIds } = keys();
        // One statement for the three: no round trip of its own for each while the lock is held.
        await store.readTogether([groups.prefetch(groupIds), idempotency.prefetch(commandIds), changeLog.prefetchHead()]);
        return fn();
      }, beginWrite),
    // One snapshot for every read; READ ONLY also makes a stray write fail loudly instead of racing the writers.
    readTransaction: (fn) => store.transaction(fn, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'),
    inTransaction: () => store.inTransaction(),
    close: () => store.close(),
  };
}

/** Opens the PostgreSQL database at `url` (migrating it) and builds the repositories over it. */
export async function openPostgresRepositories(url: string, opts: PostgresOptions = {}): Promise<Repositories & { pool: pg.Pool; store: PgStore }> {
  const pool = await openPostgres(url, opts);
  return createPostgresRepositories(pool, opts.onError, opts.onBatchRetry);
}
