import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { readMigrations } from './migration-files';

export type Db = Database.Database;

/** Migrations live beside this file, found from the module's own URL so any cwd works. */
const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Opens (creating if needed) the SQLite database, sets durable pragmas and applies pending migrations. */
export function openDatabase(file: string, options: { readonly?: boolean } = {}): Db {
  if (file !== ':memory:' && !options.readonly) fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  // A writer and a reader (e.g. the admin command) may meet; wait instead of failing at once.
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  if (options.readonly) return db;
  // WAL lets readers run during a write; synchronous=FULL makes an acked command survive power loss.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  applyMigrations(db);
  return db;
}

/** Applies every migration not yet recorded in schema_migrations, each in its own transaction. */
export function applyMigrations(db: Db): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
  const applied = new Set(
    db
      .prepare<[], { version: number }>('SELECT version FROM schema_migrations')
      .all()
      .map((r) => r.version),
  );
  const record = db.prepare<[number, string, string]>('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const isApplied = db.prepare<[number], { version: number }>('SELECT version FROM schema_migrations WHERE version = ?');
  const done: number[] = [];
  for (const migration of readMigrations(MIGRATIONS_DIR)) {
    if (applied.has(migration.version)) continue;
    // IMMEDIATE and checked again inside: two server processes starting together on a new file
    // both see the migration pending; the second waits for the first's write lock, then skips it.
    const ran = db
      .transaction(() => {
        if (isApplied.get(migration.version)) return false;
        db.exec(migration.sql);
        record.run(migration.version, migration.name, new Date().toISOString());
        return true;
      })
      .immediate();
    if (ran) done.push(migration.version);
  }
  return done;
}
