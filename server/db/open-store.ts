import { openDatabase } from './database';
import { openPostgresRepositories } from '../repositories/pg/pg-store';
import { createSqliteRepositories } from '../repositories/sqlite-store';
import type { Repositories } from '../repositories/contract';

/** Where the data lives: PostgreSQL when a URL is given, else the SQLite file. */
export interface StoreLocation {
  databaseUrl: string | null;
  databaseFile: string;
}

/**
 * Opens the configured store with its migrations applied: PostgreSQL (`WAYMARK_DATABASE_URL`, the
 * shared store of a cluster) or the SQLite file in the data folder (the embedded default).
 */
export async function openStore(
  location: StoreLocation,
  options: { onError?: (error: unknown) => void; onBatchRetry?: (cause: unknown) => void } = {},
): Promise<Repositories> {
  if (location.databaseUrl) {
    return openPostgresRepositories(location.databaseUrl, options);
  }
  return createSqliteRepositories(openDatabase(location.databaseFile));
}
