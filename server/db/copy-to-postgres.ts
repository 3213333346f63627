import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Queryable } from '../repositories/pg/queryable';
import type { Db } from './database';
import { WRITE_LOCK_KEY } from './postgres';

/**
 * The tables copied, parents before children (foreign keys hold at every insert), each with the
 * key its rows are read and compared in. Groups are copied in rowid order so that PostgreSQL's
 * report_order, assigned as they arrive, keeps SQLite's report order.
 */
const TABLES: readonly { name: string; key: readonly string[]; copyOrder?: string }[] = [
  { name: 'crises', key: ['id'] },
  { name: 'agencies', key: ['id'] },
  { name: 'users', key: ['id'] },
  { name: 'sessions', key: ['id'] },
  { name: 'groups', key: ['id'], copyOrder: 'rowid' },
  { name: 'change_log', key: ['seq'] },
  { name: 'idempotency', key: ['command_id'] },
  { name: 'audit', key: ['id'] },
  { name: 'sitreps', key: ['crisis_id', 'number'] },
  { name: 'api_tokens', key: ['id'] },
  { name: 'imports', key: ['id'] },
  { name: 'retention_policies', key: ['crisis_id'] },
  { name: 'purged_groups', key: ['group_id'] },
  { name: 'purges', key: ['id'] },
  { name: 'admin_boundaries', key: ['crisis_id'] },
  { name: 'admin_areas', key: ['crisis_id', 'pcode'] },
  { name: 'sites', key: ['id'] },
  { name: 'movements', key: ['id'] },
  { name: 'movement_groups', key: ['group_id', 'movement_id'] },
];

/** SQLite's own bookkeeping, not data to copy. */
const NOT_COPIED = new Set(['schema_migrations', 'sqlite_sequence']);

/** Rows per INSERT (PostgreSQL allows 65,535 parameters per statement). */
const BATCH_ROWS = 500;

/** One table's check after the copy: both sides' row counts and checksums. */
export interface TableCheck {
  table: string;
  sqliteRows: number;
  postgresRows: number;
  sqliteSha256: string;
  postgresSha256: string;
  ok: boolean;
}

/** What `verifyCopy` finds: every table's check, in copy order, and the change log's head. */
export interface CopyCheck {
  tables: TableCheck[];
  /** change_head after the copy: the last sequence number SQLite handed out. */
  headSeq: number;
}

/** What a copy did: its check, and whether the copied tables got their statistics. */
export interface CopyReport extends CopyCheck {
  /**
   * Whether PostgreSQL gathered its planner statistics of the copied tables (ANALYZE) after the
   * commit. When not, the data is copied and checked all the same; `ANALYZE` by hand (or
   * autovacuum, within minutes) brings the reads of a big crisis back to speed.
   */
  analyzed: boolean;
}

/** The PostgreSQL database already holds data: a copy only goes into an empty one, so nothing is merged or overwritten. */
export class PostgresNotEmptyError extends Error {
  override readonly name = 'PostgresNotEmptyError';
}

/** The SQLite database has a table or column the PostgreSQL schema lacks: copying would drop it. */
export class CopySchemaMismatchError extends Error {
  override readonly name = 'CopySchemaMismatchError';
}

/** After copying, a table's rows differ between the two databases (count or checksum). */
export class CopyMismatchError extends Error {
  override readonly name = 'CopyMismatchError';
  readonly report: CopyCheck;

  constructor(report: CopyCheck) {
    const bad = report.tables
      .filter((t) => !t.ok)
      .map(
        (t) =>
          `${t.table} (${t.sqliteRows === t.postgresRows ? 'same row count, different checksum' : `${t.sqliteRows} rows in SQLite, ${t.postgresRows} in PostgreSQL`})`,
      );
    super(`the copy does not match the SQLite database in: ${bad.join(', ')}`);
    this.report = report;
  }
}

type Row = Record<string, unknown>;

/** A column's value as the checksum sees it: the same text for the same value on either side (pg gives bigint as text, SQLite as a number). */
function render(value: unknown): string {
  if (value === null || value === undefined) return 'N';
  const text = typeof value === 'string' ? value : String(value as number);
  return `V${text.length}:${text}`;
}

/** Accumulates a table's checksum row by row. */
class TableHash {
  readonly #hash = createHash('sha256');
  rows = 0;

  add(row: Row, columns: readonly string[]): void {
    this.#hash.update(columns.map((c) => render(row[c])).join('') + '\n');
    this.rows++;
  }

  digest(): string {
    return this.#hash.digest('hex');
  }
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The column names of a SQLite table, in declared order. */
function sqliteColumns(sqlite: Db, table: string): string[] {
  return sqlite
    .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
    .all()
    .map((c) => c.name);
}

/** Refuses a SQLite database whose tables or columns the PostgreSQL schema would not take whole. */
async function checkSchemas(sqlite: Db, client: Queryable): Promise<Map<string, string[]>> {
  const known = new Set(TABLES.map((t) => t.name));
  const sqliteTables = sqlite
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
    .all()
    .map((t) => t.name)
    .filter((name) => !NOT_COPIED.has(name));
  const unknown = sqliteTables.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new CopySchemaMismatchError(`SQLite has tables this copy does not know: ${unknown.join(', ')}`);
  const columns = new Map<string, string[]>();
  for (const { name } of TABLES) {
    const fromSqlite = sqliteColumns(sqlite, name);
    if (fromSqlite.length === 0) throw new CopySchemaMismatchError(`SQLite has no table ${name}: migrate it first`);
    const { rows } = await client.query<{ column_name: string }>(
      'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
      [name],
    );
    const inPostgres = new Set(rows.map((r) => r.column_name));
    const missing = fromSqlite.filter((c) => !inPostgres.has(c));
    if (missing.length > 0) throw new CopySchemaMismatchError(`PostgreSQL's ${name} lacks columns ${missing.join(', ')}`);
    columns.set(name, fromSqlite);
  }
  return columns;
}

/** Refuses a PostgreSQL database holding any row (or a change head moved on). */
async function checkEmpty(client: pg.ClientBase): Promise<void> {
  for (const { name } of TABLES) {
    const { rows } = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${quote(name)}) AS any`);
    if (rows[0]?.any) throw new PostgresNotEmptyError(`the PostgreSQL database already holds data (table ${name}); copy only into an empty one`);
  }
  const head = await client.query<{ seq: string }>('SELECT seq FROM change_head');
  if (head.rows[0]?.seq !== '0') throw new PostgresNotEmptyError('the PostgreSQL database has handed out change numbers already; copy only into an empty one');
}

/** Reads a SQLite table in key order, a page at a time (keyset paging: each page one indexed query). */
function* sqlitePages(sqlite: Db, table: string, columns: readonly string[], order: readonly string[]): Generator<Row[]> {
  const list = columns.map(quote).join(', ');
  const keys = order.map(quote).join(', ');
  const select = order.includes('rowid') ? `rowid, ${list}` : list;
  const first = sqlite.prepare<[number], Row>(`SELECT ${select} FROM ${quote(table)} ORDER BY ${keys} LIMIT ?`);
  const next = sqlite.prepare<unknown[], Row>(
    `SELECT ${select} FROM ${quote(table)} WHERE (${keys}) > (${order.map(() => '?').join(', ')}) ORDER BY ${keys} LIMIT ?`,
  );
  let page = first.all(BATCH_ROWS);
  while (page.length > 0) {
    yield page;
    const last = page.at(-1) as Row;
    if (page.length < BATCH_ROWS) return;
    page = next.all(...order.map((k) => last[k]), BATCH_ROWS);
  }
}

/** Reads a PostgreSQL table in key order, a page at a time. */
async function* postgresPages(client: Queryable, table: string, columns: readonly string[], order: readonly string[]): AsyncGenerator<Row[]> {
  const list = columns.map(quote).join(', ');
  const keys = order.map(quote).join(', ');
  let after: unknown[] | null = null;
  for (;;) {
    const where: string = after === null ? '' : `WHERE (${keys}) > (${order.map((_, i) => `$${i + 1}`).join(', ')})`;
    const { rows }: pg.QueryResult<Row> = await client.query<Row>(
      `SELECT ${list} FROM ${quote(table)} ${where} ORDER BY ${keys} LIMIT ${BATCH_ROWS}`,
      after ?? [],
    );
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < BATCH_ROWS) return;
    const last = rows.at(-1) as Row;
    after = order.map((k) => last[k]);
  }
}

/** Inserts one page of rows in one statement. */
async function insertPage(client: pg.ClientBase, table: string, columns: readonly string[], rows: readonly Row[]): Promise<void> {
  const values: unknown[] = [];
  const tuples = rows.map((row) => `(${columns.map((c) => `$${values.push(row[c])}`).join(', ')})`);
  await client.query(`INSERT INTO ${quote(table)} (${columns.map(quote).join(', ')}) VALUES ${tuples.join(', ')}`, values);
}

/**
 * Compares every table on both sides: row count and a SHA-256 over the rows in key order, each
 * value rendered as text the same way. Groups are also compared in report order (SQLite's rowid
 * against PostgreSQL's report_order), so pages of a crisis come in the same order on both.
 * Throws `CopyMismatchError` (with the report) if any differs.
 */
export async function verifyCopy(sqlite: Db, client: Queryable): Promise<CopyCheck> {
  const columns = await checkSchemas(sqlite, client);
  const tables: TableCheck[] = [];
  const compare = async (table: string, cols: readonly string[], fromSqlite: Iterable<Row[]>, fromPostgres: AsyncIterable<Row[]>): Promise<void> => {
    const left = new TableHash();
    const right = new TableHash();
    for (const page of fromSqlite) for (const row of page) left.add(row, cols);
    for await (const page of fromPostgres) for (const row of page) right.add(row, cols);
    const [a, b] = [left.digest(), right.digest()];
    tables.push({ table, sqliteRows: left.rows, postgresRows: right.rows, sqliteSha256: a, postgresSha256: b, ok: a === b && left.rows === right.rows });
  };
  for (const { name, key } of TABLES) {
    const cols = columns.get(name) ?? [];
    await compare(name, cols, sqlitePages(sqlite, name, cols, key), postgresPages(client, name, cols, key));
  }
  await compare(
    'groups in report order',
    ['id'],
    sqlitePages(sqlite, 'groups', ['id'], ['rowid']),
    postgresPages(client, 'groups', ['id', 'report_order'], ['report_order']),
  );
  const head = await client.query<{ seq: string }>('SELECT seq FROM change_head');
  const report: CopyCheck = { tables, headSeq: Number(head.rows[0]?.seq ?? 0) };
  const expectedHead = lastSeqHandedOut(sqlite);
  if (report.headSeq !== expectedHead) {
    tables.push({
      table: 'change_head',
      sqliteRows: 1,
      postgresRows: 1,
      sqliteSha256: String(expectedHead),
      postgresSha256: String(report.headSeq),
      ok: false,
    });
  }
  if (tables.some((t) => !t.ok)) throw new CopyMismatchError(report);
  return report;
}

/** The last change number SQLite handed out: AUTOINCREMENT's counter, which never goes back even if the newest rows were deleted. */
function lastSeqHandedOut(sqlite: Db): number {
  const max = sqlite.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM change_log').get()?.seq ?? 0;
  const counter = sqlite.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'change_log'").get()?.seq ?? 0;
  return Math.max(max, counter);
}

/**
 * Copies a migrated SQLite database into an empty, migrated PostgreSQL database (`openPostgres`),
 * then checks every table (see `verifyCopy`). It all happens in one PostgreSQL transaction holding
 * the write lock, so a failure or a mismatch leaves PostgreSQL empty, and no node writes meanwhile;
 * SQLite is read in one snapshot. Returns the per-table report.
 */
/**
 * Planner statistics of every copied table, gathered once the copy is committed. A bulk load leaves
 * a table with none, and autovacuum gathers them only a minute or more later: meanwhile the planner
 * took a 100,000-group crisis for a few hundred rows and read every later group of it for each page
 * of a first state (4.7 s of paging instead of 0.9 s, bench `cluster`). False when ANALYZE failed:
 * the copy stands, committed and checked, so that is said, not thrown.
 */
async function analyze(client: pg.PoolClient): Promise<boolean> {
  try {
    await client.query(`ANALYZE ${TABLES.map(({ name }) => name).join(', ')}`);
    return true;
  } catch {
    return false;
  }
}

export async function copyToPostgres(sqlite: Db, pool: pg.Pool): Promise<CopyReport> {
  const client = await pool.connect();
  let healthy = true;
  const ownSnapshot = !sqlite.inTransaction;
  if (ownSnapshot) sqlite.exec('BEGIN DEFERRED');
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK_KEY.toString()]);
    await checkEmpty(client);
    const columns = await checkSchemas(sqlite, client);
    for (const { name, key, copyOrder } of TABLES) {
      const cols = columns.get(name) ?? [];
      for (const page of sqlitePages(sqlite, name, cols, copyOrder ? [copyOrder] : key)) await insertPage(client, name, cols, page);
    }
    // Explicit ids went into audit; its identity must continue after them.
    await client.query("SELECT setval(pg_get_serial_sequence('audit', 'id'), (SELECT MAX(id) FROM audit)) WHERE EXISTS (SELECT 1 FROM audit)");
    await client.query('UPDATE change_head SET seq = $1', [lastSeqHandedOut(sqlite)]);
    const report = await verifyCopy(sqlite, client);
    await client.query('COMMIT');
    return { ...report, analyzed: await analyze(client) };
  } catch (error) {
    // Nothing of a failed copy stays; if even ROLLBACK fails, the connection is dropped (the server rolls back).
    await client.query('ROLLBACK').catch(() => {
      healthy = false;
    });
    throw error;
  } finally {
    if (ownSnapshot && sqlite.inTransaction) sqlite.exec('COMMIT');
    client.release(!healthy);
  }
}
