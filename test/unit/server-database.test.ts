import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
    expect(applyMigrations(db)).toEqual([]);
    db.close();
  });
});

describe('the audit table', () => {
  it('refuses updates and deletes at the database level', () => {
    const db = openDatabase(':memory:');
    const repos = createRepositories(db);
    repos.audit.append({ at: new Date().toISOString(), userId: null, role: null, action: 'session.sign_in', recordType: 'session', recordId: null, outcome: 'failed' });

    expect(() => db.prepare("UPDATE audit SET outcome = 'ok'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/append-only/);
    expect(repos.audit.recent(10)).toHaveLength(1);
    db.close();
  });
});

describe('the change log', () => {
  it('never reuses a sequence number, even after the newest rows are gone', () => {
    const db = openDatabase(':memory:');
    db.prepare("INSERT INTO crises VALUES ('c', 'n', 'conflict', 'LBY', 'preparedness', '[0,0,1,1]', 0, 'now')").run();
    const insert = db.prepare("INSERT INTO change_log (crisis_id, entity, entity_id, kind, data, actor, at) VALUES ('c', 'group', 'g', 'group.report', '{}', NULL, 'now')");
    const first = Number(insert.run().lastInsertRowid);
    db.prepare('DELETE FROM change_log').run();

    expect(Number(insert.run().lastInsertRowid)).toBe(first + 1);
    db.close();
  });
});
