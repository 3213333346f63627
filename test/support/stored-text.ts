import fs from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';

/** Where a test server's data lives. */
export interface StoreLocation {
  databaseUrl: string | null;
  databaseFile: string;
}

/**
 * The tables whose rows hold `marker`, reading every table of the store as text: SQLite rows as
 * their JSON, PostgreSQL rows as `row::text`. Outside the server, as an operator would read it.
 */
export async function tablesHolding(location: StoreLocation, marker: string): Promise<string[]> {
  if (location.databaseUrl) {
    const client = new pg.Client({ connectionString: location.databaseUrl });
    await client.connect();
    try {
      const { rows: tables } = await client.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
      const found: string[] = [];
      for (const { name } of tables) {
        const { rows } = await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM "${name}" t WHERE strpos(t::text, $1) > 0`, [marker]);
        if (Number(rows[0]?.n ?? 0) > 0) found.push(name);
      }
      return found;
    } finally {
      await client.end();
    }
  }
  const db = new Database(location.databaseFile, { readonly: true, fileMustExist: true });
  try {
    return sqliteTablesHolding(db, marker);
  } finally {
    db.close();
  }
}

/** The tables of an open SQLite database with a row that holds `marker` (in any column, as its JSON). */
export function sqliteTablesHolding(db: Database.Database, marker: string): string[] {
  const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
  return tables
    .filter(({ name }) =>
      db
        .prepare(`SELECT * FROM "${name}"`)
        .all()
        .some((row) => JSON.stringify(row).includes(marker)),
    )
    .map((t) => t.name);
}

/**
 * Whether the SQLite file (and its WAL) holds `marker` anywhere in its bytes, free pages included,
 * after the WAL is checkpointed and truncated and the file vacuumed: what a stolen disk would give.
 * The server must be stopped (VACUUM rewrites the file).
 */
export function sqliteBytesHold(databaseFile: string, markers: readonly string[]): string[] {
  const db = new Database(databaseFile, { fileMustExist: true });
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  const bytes = Buffer.concat([databaseFile, `${databaseFile}-wal`, `${databaseFile}-journal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
  return markers.filter((m) => bytes.includes(Buffer.from(m, 'utf8')));
}
