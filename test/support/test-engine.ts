import Database from 'better-sqlite3';
import pg from 'pg';
import type { TableName } from './server';

/**
 * Which engine the test servers of this run use. `WAYMARK_TEST_ENGINE=postgres` (the vitest project
 * `integration-postgres`, whose global setup starts one PostgreSQL from npm for the run and puts
 * its address in WAYMARK_TEST_POSTGRES_URL) gives each test server a fresh database of its own on
 * it; otherwise each test server has its SQLite file in its data folder.
 */
export function testEngine(): 'sqlite' | 'postgres' {
  return process.env.WAYMARK_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
}

let created = 0;

/** A fresh, empty PostgreSQL database for one test server (null on SQLite runs). */
export async function testDatabaseUrl(): Promise<string | null> {
  if (testEngine() !== 'postgres') return null;
  const admin = process.env.WAYMARK_TEST_POSTGRES_URL;
  if (!admin) throw new Error('WAYMARK_TEST_ENGINE=postgres without WAYMARK_TEST_POSTGRES_URL: run it through the vitest project that starts PostgreSQL');
  const name = `t${process.pid}_${++created}_${Date.now().toString(36)}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** How many rows a table of a test server's store holds (read outside the server, as an operator would). */
export async function countRows(location: { databaseUrl: string | null; databaseFile: string }, table: TableName): Promise<number> {
  if (location.databaseUrl) {
    const client = new pg.Client({ connectionString: location.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}`);
      return Number(rows[0]?.n ?? 0);
    } finally {
      await client.end();
    }
  }
  const db = new Database(location.databaseFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).get()?.n ?? 0;
  } finally {
    db.close();
  }
}
