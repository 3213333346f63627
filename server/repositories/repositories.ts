import type { Db } from '../db/database';
import { AgencyRepository } from './agency.repository';
import { ApiTokenRepository } from './api-token.repository';
import { AuditRepository } from './audit.repository';
import { ChangeLogRepository } from './change-log.repository';
import { CrisisRepository } from './crisis.repository';
import { GroupRepository } from './group.repository';
import { IdempotencyRepository } from './idempotency.repository';
import { ImportRepository } from './import.repository';
import { SessionRepository } from './session.repository';
import { SitrepRepository } from './sitrep.repository';
import { UserRepository } from './user.repository';

/**
 * Every repository over one database, plus the way to run several writes as one transaction.
 * Services see only this, so a PostgreSQL implementation can replace it behind the same tests.
 */
export interface Repositories {
  crises: CrisisRepository;
  agencies: AgencyRepository;
  users: UserRepository;
  sessions: SessionRepository;
  groups: GroupRepository;
  changeLog: ChangeLogRepository;
  idempotency: IdempotencyRepository;
  audit: AuditRepository;
  sitreps: SitrepRepository;
  imports: ImportRepository;
  apiTokens: ApiTokenRepository;
  /** Runs `fn` in one transaction: all its writes commit together or none do. Nested calls join it. */
  transaction<T>(fn: () => T): T;
  /**
   * Runs a read-only `fn` in one deferred transaction: its reads agree with each other (WAL gives it
   * a snapshot) without taking the write lock, so a sync on one process never holds up writers on
   * another. Nested in an open transaction it joins that one.
   */
  readTransaction<T>(fn: () => T): T;
  /** Whether a transaction is open on the connection (SQLite may end one itself on a disk error). */
  inTransaction(): boolean;
}

/** Builds the SQLite repositories (statements are prepared once, here). */
export function createRepositories(db: Db): Repositories {
  return {
    crises: new CrisisRepository(db),
    agencies: new AgencyRepository(db),
    users: new UserRepository(db),
    sessions: new SessionRepository(db),
    groups: new GroupRepository(db),
    changeLog: new ChangeLogRepository(db),
    idempotency: new IdempotencyRepository(db),
    audit: new AuditRepository(db),
    sitreps: new SitrepRepository(db),
    imports: new ImportRepository(db),
    apiTokens: new ApiTokenRepository(db),
    // IMMEDIATE takes the write lock up front, so a concurrent writer (the admin command) waits
    // at BEGIN instead of failing half-way with SQLITE_BUSY.
    transaction: <T>(fn: () => T): T => db.transaction(fn).immediate(),
    readTransaction: <T>(fn: () => T): T => db.transaction(fn).deferred(),
    inTransaction: () => db.inTransaction,
  };
}
