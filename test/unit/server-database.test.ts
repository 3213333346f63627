import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { applyMigrations, openDatabase } from '../../server/db/database';
import { createRepositories } from '../../server/repositories/repositories';

describe(openDatabase.name, () => {
  it('creates the folder and file, in WAL mode with durable, checked writes', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-db-')), 'nested', 'data');
    const db = openDatabase(path.join(dir, 'waymark.db'));

    expect(fs.existsSync(path.join(dir, 'waymark.db'))).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(Number(db.pragma('busy_timeout', { simple: true }))).toBeGreaterThan(0);
    db.close();
    fs.rmSync(path.dirname(path.dirname(dir)), { recursive: true, force: true });
  });

  it('applies each migration once and records it', () => {
    const db = openDatabase(':memory:');

    const applied = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(applied).toContainEqual({ version: 1, name: 'init' });
    expect(applied).toContainEqual({ version: 2, name: 'exports' });
    expect(applied).toContainEqual({ version: 3, name: 'api_tokens_imports' });
    expect(applied).toContainEqual({ version: 4, name: 'idempotency_points_at_log' });
    expect(applyMigrations(db)).toEqual([]);
    db.close();
  });

  it('keeps the acks stored as JSON before idempotency records pointed at the change log', async () => {
    // A database as version 3 left it, with one record in the old form.
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    const dir = fileURLToPath(new URL('../../server/db/migrations/', import.meta.url));
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT');
    for (const [version, name] of [
      [1, 'init'],
      [2, 'exports'],
      [3, 'api_tokens_imports'],
    ] as const) {
      db.exec(fs.readFileSync(path.join(dir, `00${version}_${name}.sql`), 'utf8'));
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(version, name, '2026-01-01T00:00:00.000Z');
    }
    db.exec(
      `INSERT INTO users (id, username, password_hash, role, display_name, created_at) VALUES ('u1', 'field-1', 'x', 'field', 'F', '2026-01-01T00:00:00.000Z')`,
    );
    const oldAck = { ok: true, seq: 7, group: { id: 'g1' } };
    db.prepare('INSERT INTO idempotency (command_id, user_id, result, at) VALUES (?, ?, ?, ?)').run(
      'c1',
      'u1',
      JSON.stringify(oldAck),
      '2026-01-01T00:00:00.000Z',
    );

    // Migration 4, then every later one (5: retention's tables, and so on).
    expect(applyMigrations(db)[0]).toBe(4);
    const repos = createRepositories(db);
    expect(await repos.idempotency.find('c1')).toEqual({ commandId: 'c1', userId: 'u1', result: oldAck, at: '2026-01-01T00:00:00.000Z' });
    // A record is either the old JSON or a pointer, never both or neither.
    const insert = db.prepare('INSERT INTO idempotency (command_id, user_id, result, first_seq, last_seq, at) VALUES (?, ?, ?, ?, ?, ?)');
    expect(() => insert.run('c2', 'u1', null, null, null, 'x')).toThrow(/CHECK/);
    expect(() => insert.run('c3', 'u1', '{}', 1, 1, 'x')).toThrow(/CHECK/);
    db.close();
  });
});

describe('the audit table', () => {
  it('refuses updates and deletes at the database level', async () => {
    const db = openDatabase(':memory:');
    const repos = createRepositories(db);
    await repos.audit.append({
      at: new Date().toISOString(),
      userId: null,
      role: null,
      action: 'session.sign_in',
      recordType: 'session',
      recordId: null,
      outcome: 'failed',
    });

    expect(() => db.prepare("UPDATE audit SET outcome = 'ok'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    expect(await repos.audit.recent(10)).toHaveLength(1);
    db.close();
  });
});

describe('the change log', () => {
  it('never reuses a sequence number, even after the newest rows are gone', () => {
    const db = openDatabase(':memory:');
    db.prepare("INSERT INTO crises VALUES ('c', 'n', 'conflict', 'LBY', 'preparedness', '[0,0,1,1]', 0, 'now')").run();
    const insert = db.prepare(
      "INSERT INTO change_log (crisis_id, entity, entity_id, kind, data, actor, at) VALUES ('c', 'group', 'g', 'group.report', '{}', NULL, 'now')",
    );
    const first = Number(insert.run().lastInsertRowid);
    db.prepare('DELETE FROM change_log').run();

    expect(Number(insert.run().lastInsertRowid)).toBe(first + 1);
    db.close();
  });
});
