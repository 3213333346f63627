import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db } from '../db/database';
import { AdminAreaRepository } from './admin-area.repository';
import { AgencyRepository } from './agency.repository';
import { MovementRepository } from './movement.repository';
import { ApiTokenRepository } from './api-token.repository';
import { AuditRepository } from './audit.repository';
import { ChangeLogRepository } from './change-log.repository';
import { CrisisRepository } from './crisis.repository';
import { GroupRepository } from './group.repository';
import { IdempotencyRepository } from './idempotency.repository';
import { ImportRepository } from './import.repository';
import { RetentionRepository } from './retention.repository';
import { SessionRepository } from './session.repository';
import { SiteRepository } from './site.repository';
import { SitrepRepository } from './sitrep.repository';
import { UserRepository } from './user.repository';
import type { Async, Repositories } from './contract';

/** An open transaction on the connection, and how deep its savepoints go. */
interface OpenTransaction {
  depth: number;
}

/**
 * The storage contract over one better-sqlite3 connection.
 *
 * better-sqlite3 is synchronous, so every statement runs to completion at once; what needs care is
 * a transaction whose `fn` awaits between statements. The connection has one transaction at a
 * time, so a transaction holds the connection (a queue) from BEGIN to COMMIT, and a call made by
 * anyone else meanwhile (a statement outside any transaction, or another transaction) waits for it:
 * otherwise it would run inside that transaction and be rolled back with it. A call made inside the
 * transaction (AsyncLocalStorage follows it through awaits) runs at once.
 */
export class SqliteStore {
  readonly #db: Db;
  readonly #scope = new AsyncLocalStorage<OpenTransaction>();
  /** The transaction holding the connection, or null. */
  #open: OpenTransaction | null = null;
  /** Callers waiting for the connection, first come first served. */
  readonly #waiting: (() => void)[] = [];
  #closed = false;

  constructor(db: Db) {
    this.#db = db;
  }

  get db(): Db {
    return this.#db;
  }

  /**
   * Whether the caller runs inside the transaction that holds the connection, and SQLite has not
   * ended it on its own (a disk error rolls the whole transaction back).
   */
  inTransaction(): boolean {
    return this.#ownsConnection() && this.#db.inTransaction;
  }

  #ownsConnection(): boolean {
    const own = this.#scope.getStore();
    return own !== undefined && own === this.#open;
  }

  /** Resolves once nobody else's transaction holds the connection (at once when free or when it is ours). */
  #turn(): Promise<void> | null {
    if (this.#open === null || this.#ownsConnection()) return null;
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    this.#open = null;
    // The next waiter runs; it may open a transaction itself, and then the rest keep waiting.
    while (this.#open === null && this.#waiting.length > 0) this.#waiting.shift()?.();
  }

  /** Runs a single synchronous call at its turn. */
  run<T>(call: () => T): Promise<T> {
    const turn = this.#turn();
    if (turn === null) {
      try {
        return Promise.resolve(call());
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    return turn.then(() => this.run(call));
  }

  async transaction<T>(fn: () => Promise<T>, begin: 'IMMEDIATE' | 'DEFERRED' = 'IMMEDIATE'): Promise<T> {
    const own = this.#scope.getStore();
    if (own !== undefined && own === this.#open) return this.#savepoint(own, fn);
    if (this.#closed) throw new Error('the database is closed');
    for (let turn = this.#turn(); turn !== null; turn = this.#turn()) await turn;
    const open: OpenTransaction = { depth: 0 };
    this.#open = open;
    try {
      // IMMEDIATE takes the write lock up front, so a concurrent writer (another process, the
      // admin command) waits at BEGIN instead of failing half-way with SQLITE_BUSY.
      this.#db.exec(`BEGIN ${begin}`);
    } catch (error) {
      this.#release();
      throw error;
    }
    try {
      const result = await this.#scope.run(open, fn);
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      // SQLite may have ended the transaction itself (a disk error); ROLLBACK would then throw.
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw error;
    } finally {
      this.#release();
    }
  }

  async #savepoint<T>(open: OpenTransaction, fn: () => Promise<T>): Promise<T> {
    const name = `sp${++open.depth}`;
    this.#db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      this.#db.exec(`RELEASE ${name}`);
      return result;
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      throw error;
    } finally {
      open.depth--;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (let turn = this.#turn(); turn !== null; turn = this.#turn()) await turn;
    if (this.#db.open) this.#db.close();
  }

  /** The asynchronous form of a synchronous repository: each call waits for its turn. */
  wrap<T extends object>(repository: T): Async<T> {
    const wrapped: Record<string, unknown> = {};
    let proto: object | null = Object.getPrototypeOf(repository) as object | null;
    while (proto && proto !== Object.prototype) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        if (name === 'constructor' || name in wrapped) continue;
        const member = (repository as Record<string, unknown>)[name];
        if (typeof member !== 'function') continue;
        wrapped[name] = (...args: unknown[]) => this.run(() => (member as (...a: unknown[]) => unknown).apply(repository, args));
      }
      proto = Object.getPrototypeOf(proto) as object | null;
    }
    return wrapped as Async<T>;
  }
}

/** Builds the SQLite repositories (statements are prepared once, here) behind the storage contract. */
export function createSqliteRepositories(db: Db): Repositories & { sqlite: SqliteStore } {
  const store = new SqliteStore(db);
  return {
    engine: 'sqlite',
    sqlite: store,
    crises: store.wrap(new CrisisRepository(db)),
    agencies: store.wrap(new AgencyRepository(db)),
    users: store.wrap(new UserRepository(db)),
    sessions: store.wrap(new SessionRepository(db)),
    groups: store.wrap(new GroupRepository(db)),
    changeLog: store.wrap(new ChangeLogRepository(db)),
    idempotency: store.wrap(new IdempotencyRepository(db)),
    audit: store.wrap(new AuditRepository(db)),
    sitreps: store.wrap(new SitrepRepository(db)),
    imports: store.wrap(new ImportRepository(db)),
    apiTokens: store.wrap(new ApiTokenRepository(db)),
    retention: store.wrap(new RetentionRepository(db)),
    adminAreas: store.wrap(new AdminAreaRepository(db)),
    sites: store.wrap(new SiteRepository(db)),
    movements: store.wrap(new MovementRepository(db)),
    transaction: (fn) => store.transaction(fn, 'IMMEDIATE'),
    // In process, a statement costs no round trip: nothing to gain from holding writes back.
    writeBatch: (fn) => store.transaction(fn, 'IMMEDIATE'),
    readTransaction: (fn) => store.transaction(fn, 'DEFERRED'),
    inTransaction: () => store.inTransaction(),
    close: () => store.close(),
  };
}
