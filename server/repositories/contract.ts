import type { AdminAreaRepository } from './admin-area.repository';
import type { AgencyRepository } from './agency.repository';
import type { ApiTokenRepository } from './api-token.repository';
import type { AuditRepository } from './audit.repository';
import type { ChangeLogRepository, ChangeRecord } from './change-log.repository';
import type { CrisisRepository } from './crisis.repository';
import type { GroupRepository } from './group.repository';
import type { IdempotencyRepository } from './idempotency.repository';
import type { ImportRepository } from './import.repository';
import type { MovementRepository } from './movement.repository';
import type { RetentionRepository } from './retention.repository';
import type { SessionRepository } from './session.repository';
import type { SiteRepository } from './site.repository';
import type { SitrepRepository } from './sitrep.repository';
import type { UserRepository } from './user.repository';
import type { GroupSummary } from '../../shared/packed-views';
import type { Group } from '../../shared/schemas/group.schema';
import type { Site } from '../../shared/schemas/site.schema';

/**
 * The storage contract: what the services may ask of a database, the same for both engines.
 *
 * The SQLite classes beside this file (`*.repository.ts`, synchronous, better-sqlite3) document
 * each method; the contract is their asynchronous form (`Async<...>`), so the SQLite engine wraps
 * them and the PostgreSQL engine (`pg/`) implements the same signatures. A generator over a whole
 * crisis is not part of the contract: a crisis is read in pages (`GroupPage`, `pageCrisis`), so a
 * request never holds 100,000 groups, and a page is one indexed query on either engine.
 *
 * Transactions: `transaction(fn)` runs `fn` with every repository call made inside it (through
 * any number of awaits) on one connection in one transaction; nested calls become savepoints.
 * Write transactions are serialized per database (SQLite: BEGIN IMMEDIATE on the one connection;
 * PostgreSQL: one advisory lock taken at BEGIN), so the services' reasoning ("I read the group and
 * wrote its next version, nobody came between") holds on both engines, and the change log's
 * sequence numbers commit in order with no gap a reader could skip (see `ChangeLogStore.headSeq`).
 */
export type Async<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never;
};

/** A group with its place in the crisis's report order (the key to ask for the next page with). */
export interface KeyedGroup {
  key: number;
  group: Group;
}

export type CrisisStore = Async<CrisisRepository>;
export type AgencyStore = Async<AgencyRepository>;
export type UserStore = Async<UserRepository>;
export type SessionStore = Async<SessionRepository>;
export type IdempotencyStore = Async<IdempotencyRepository>;
export type AuditStore = Async<AuditRepository>;
export type SitrepStore = Async<SitrepRepository>;
export type ImportStore = Async<ImportRepository>;
export type ApiTokenStore = Async<ApiTokenRepository>;
export type RetentionStore = Async<RetentionRepository>;
export type AdminAreaStore = Async<AdminAreaRepository>;
export type SiteStore = Async<SiteRepository>;
export type MovementStore = Async<MovementRepository>;

export type GroupStore = Async<GroupRepository> & {
  /**
   * The groups of a crisis in report order (the order they were first stored; an update keeps its
   * place) whose key is above `afterKey`, at most `limit`. Start with `afterKey` 0.
   */
  pageByCrisis(crisisId: string, afterKey: number, limit: number): Promise<KeyedGroup[]>;
};

export type ChangeLogStore = Async<ChangeLogRepository> & {
  /** The changes of a crisis with seq above `afterSeq`, oldest first, at most `limit`. */
  pageCrisis(crisisId: string, afterSeq: number, limit: number): Promise<ChangeRecord[]>;
};

export type Engine = 'sqlite' | 'postgres';

/** What a batch will look up: worth reading in one query each before its commands run. */
export interface BatchKeys {
  commandIds: readonly string[];
  groupIds: readonly string[];
}

/** Every repository over one database, plus transactions. Services see only this. */
export interface Repositories {
  readonly engine: Engine;
  crises: CrisisStore;
  agencies: AgencyStore;
  users: UserStore;
  sessions: SessionStore;
  groups: GroupStore;
  changeLog: ChangeLogStore;
  idempotency: IdempotencyStore;
  audit: AuditStore;
  sitreps: SitrepStore;
  imports: ImportStore;
  apiTokens: ApiTokenStore;
  retention: RetentionStore;
  adminAreas: AdminAreaStore;
  sites: SiteStore;
  /** Movements (issue 20): kept apart from the group tables; see movement.repository.ts. */
  movements: MovementStore;
  /**
   * Runs `fn` in one write transaction: all its writes commit together or none do; the promise
   * settles after COMMIT (durable: SQLite synchronous=FULL, PostgreSQL synchronous_commit on).
   * Nested calls (inside `fn`, across awaits) become savepoints: a nested `fn` that throws rolls
   * back only its own writes and the error goes on to the caller.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * A write transaction for a batch of commands (group commit). `keys` names the command ids and
   * group ids the batch will look up; it is called once the write lock is held, before `fn` (so a
   * caller may choose the batch only then: on a cluster, what arrives while another node holds the
   * lock joins this batch), and again if the batch runs again: it must answer the same each time.
   * It means what `transaction` means, but an engine may hold the batch's
   * writes and send them together before COMMIT (PostgreSQL: one statement instead of several
   * round trips per command; SQLite: a plain transaction, its statements cost no round trip). To
   * stay faithful it may roll everything back and run `fn` again as a plain transaction, so `fn`
   * must have no effect outside the database before it returns.
   */
  writeBatch<T>(fn: () => Promise<T>, keys: () => BatchKeys): Promise<T>;
  /**
   * Runs a read-only `fn` on one snapshot: its reads agree with each other (SQLite: a deferred
   * transaction under WAL; PostgreSQL: REPEATABLE READ, READ ONLY). Nested in an open transaction
   * it joins that one.
   */
  readTransaction<T>(fn: () => Promise<T>): Promise<T>;
  /** Whether the caller is inside a transaction of this store. */
  inTransaction(): boolean;
  /** Closes the connection(s); waits for running transactions to end. */
  close(): Promise<void>;
}

/** Every group of a crisis, page by page, in report order. */
export async function* eachGroup(repos: Pick<Repositories, 'groups'>, crisisId: string, pageSize = 1_000): AsyncGenerator<Group> {
  let after = 0;
  for (;;) {
    const page = await repos.groups.pageByCrisis(crisisId, after, pageSize);
    for (const { group } of page) yield group;
    const last = page.at(-1);
    if (!last || page.length < pageSize) return;
    after = last.key;
  }
}

/** The summary of every group of a crisis, page by page, in report order (a coordinator's big snapshot). */
export async function* eachSummary(repos: Pick<Repositories, 'groups'>, crisisId: string, pageSize = 1_000): AsyncGenerator<GroupSummary> {
  let after = 0;
  for (;;) {
    const page = await repos.groups.pageSummaries(crisisId, after, pageSize);
    for (const { summary } of page) yield summary;
    const last = page.at(-1);
    if (!last || page.length < pageSize) return;
    after = last.key;
  }
}

/** Every site of a crisis, page by page, in creation order. */
export async function* eachSite(repos: Pick<Repositories, 'sites'>, crisisId: string, pageSize = 500): AsyncGenerator<Site> {
  let after = '';
  for (;;) {
    const page = await repos.sites.pageByCrisis(crisisId, after, pageSize);
    yield* page;
    const last = page.at(-1);
    if (!last || page.length < pageSize) return;
    after = last.id;
  }
}

/**
 * Every state a group of the crisis had, page by page, oldest first: the history the folds read.
 * An erasure's tombstone is left out: the erased group's earlier states are deleted with it, so it
 * appears nowhere in a history, as in the current counts (issue 21).
 */
export async function* eachChange(repos: Pick<Repositories, 'changeLog'>, crisisId: string, pageSize = 1_000): AsyncGenerator<ChangeRecord> {
  let after = 0;
  for (;;) {
    const page = await repos.changeLog.pageCrisis(crisisId, after, pageSize);
    for (const change of page) if (change.kind !== 'group.erase') yield change;
    const last = page.at(-1);
    if (!last || page.length < pageSize) return;
    after = last.seq;
  }
}

/** Collects an async iterable (a page walk) into an array, for the reads that need every item at once. */
export async function toArray<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/**
 * Thrown inside a batch (`writeBatch`) by a write the engine will not hold back with the batch's
 * others (PostgreSQL: a movement's rows, see pg/movement.repository.ts). The engine then runs the
 * whole batch again as a plain transaction; the write path lets it through rather than failing
 * only the one command.
 */
export class PlainTransactionNeeded extends Error {
  override readonly name = 'PlainTransactionNeeded';
}
