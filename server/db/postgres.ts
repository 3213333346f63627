import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { readMigrations } from './migration-files';

/** PostgreSQL migrations live beside this file, found from the module's own URL so any cwd works. */
const MIGRATIONS_DIR = fileURLToPath(new URL('./pg-migrations/', import.meta.url));

/**
 * The session-level advisory lock key the migration runner holds: several nodes starting together
 * on one database take turns, and each migration is applied exactly once. An arbitrary constant
 * ("WaymMigr" as bytes), distinct from the write-transaction key below.
 */
export const MIGRATION_LOCK_KEY = 0x5761796d4d696772n;

/**
 * The transaction-level advisory lock every write transaction takes at BEGIN ("WaymWrit" as bytes):
 * write transactions on one database run one at a time, whichever node runs them, as SQLite's
 * BEGIN IMMEDIATE does, so a service's "I read it and wrote the next version" holds.
 */
export const WRITE_LOCK_KEY = 0x5761796d57726974n;

/** Options of `openPostgres`. */
export interface PostgresOptions {
  /** Connections in the pool (default 10). */
  max?: number;
  /** Where an idle connection's error goes (the server restarted, the network dropped); it never crashes the process. */
  onError?: (error: Error) => void;
  /** Told when a batch transaction had to run again as a plain one (its cause, for the log). */
  onBatchRetry?: (cause: unknown) => void;
}

/** Opening the database failed: it could not be reached, a migration failed or its settings are unsafe. The message never holds the password. */
export class PostgresOpenError extends Error {
  override readonly name = 'PostgresOpenError';
}

/** A database URL with its password replaced by `***`, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL (a key=value string, a typo): hide anything after a user name and colon up to '@'.
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@').replace(/(password\s*=\s*)\S+/gi, '$1***');
  }
}

/** An error's message with the URL's password (if any) taken out, wherever the driver put it. */
export function redactMessage(message: string, url: string): string {
  const redacted = message.split(url).join(redactDatabaseUrl(url));
  const password = passwordOf(url);
  return password.length > 0 ? redacted.split(password).join('***') : redacted;
}

/** The URL's password, or '' when it has none or is not a URL. */
function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

/**
 * Applies every migration not yet recorded in schema_migrations, each in its own transaction, on
 * one connection holding the migration lock: a node that starts while another migrates waits for
 * it, then finds the migration recorded and skips it. Returns the versions this call applied.
 */
export async function applyPostgresMigrations(client: pg.ClientBase): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at text NOT NULL
    )`);
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const done: number[] = [];
    for (const migration of readMigrations(MIGRATIONS_DIR)) {
      if (applied.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          new Date().toISOString(),
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new PostgresOpenError(`migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      done.push(migration.version);
    }
    return done;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
  }
}

/**
 * Refuses a connection whose commits may be acknowledged before they are on disk: the pool asks
 * for synchronous_commit on, but a pooler in between may drop that startup option.
 */
export async function assertDurableCommits(client: pg.ClientBase, url: string): Promise<void> {
  const setting = await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
  const value = setting.rows[0]?.synchronous_commit;
  if (value !== 'on') {
    throw new PostgresOpenError(
      `${redactDatabaseUrl(url)} runs with synchronous_commit = ${value ?? 'unknown'}; Waymark needs it on so acknowledged writes survive a crash`,
    );
  }
}

/**
 * Opens a pool on the PostgreSQL database at `url` and applies pending migrations. Every
 * connection runs with synchronous_commit on (an acknowledged command survives a crash of the
 * server); if the server reports it off anyway (a pooler that drops startup options), opening
 * fails rather than running with weaker durability than SQLite's synchronous=FULL.
 */
export async function openPostgres(url: string, opts: PostgresOptions = {}): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, options: '-c synchronous_commit=on' });
  // An idle client's error (the server went away) is reported here; without a listener it would
  // be an uncaught 'error' event and end the process.
  pool.on('error', (error) => opts.onError?.(new Error(redactMessage(error.message, url), { cause: error })));
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new PostgresOpenError(`could not connect to ${redactDatabaseUrl(url)}: ${redactMessage((error as Error).message, url)}`);
  }
  let broken = false;
  try {
    await assertDurableCommits(client, url);
    await applyPostgresMigrations(client);
  } catch (error) {
    broken = true;
    client.release(true);
    await pool.end().catch(() => undefined);
    if (error instanceof PostgresOpenError) throw error;
    throw new PostgresOpenError(`could not prepare ${redactDatabaseUrl(url)}: ${redactMessage((error as Error).message, url)}`);
  } finally {
    if (!broken) client.release();
  }
  return pool;
}
