import type pg from 'pg';
import { MIGRATION_LOCK_KEY } from '../../db/postgres';

/**
 * The table @socket.io/postgres-adapter keeps for messages too large for NOTIFY (8000 bytes) or
 * holding binary data, with the columns its code reads and writes (id, created_at, payload). Our
 * signal guard refuses every such message, so it stays empty; it exists because the adapter's
 * cleanup deletes from it every 30 s and would log an error each time otherwise.
 *
 * Two nodes starting together can both run CREATE TABLE IF NOT EXISTS and one fails on the
 * catalog's unique index, so the statement takes the migration lock, as a transaction-level
 * advisory lock, and runs only after any migration in progress.
 */
export async function ensureAttachmentTable(pool: pg.Pool, table: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new RangeError(`attachment table name ${table} is not a plain identifier`);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
      id         bigserial UNIQUE,
      created_at timestamptz DEFAULT now(),
      payload    bytea
    )`);
    await client.query('COMMIT');
    client.release();
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(true);
    throw error;
  }
}
