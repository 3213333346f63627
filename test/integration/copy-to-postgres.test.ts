import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { copyToPostgres, CopyMismatchError, CopySchemaMismatchError, PostgresNotEmptyError, verifyCopy } from '../../server/db/copy-to-postgres';
import { openDatabase, type Db } from '../../server/db/database';
import { openPostgres } from '../../server/db/postgres';
import type { Repositories } from '../../server/repositories/contract';
import { eachGroup } from '../../server/repositories/contract';
import { createPostgresRepositories } from '../../server/repositories/pg/pg-store';
import { createSqliteRepositories } from '../../server/repositories/sqlite-store';
import { makeGroup, makeSite } from '../support/factories';
import { isRefused, planAddGroup } from '../../shared/movements';
import type { Movement } from '../../shared/schemas/movement.schema';
import { area, square } from '../support/boundaries';
import { startPostgres, type PgHarness } from '../support/postgres';
import { makeAgency, makeCrisis, makeUser } from '../support/storage-fixtures';

const at = (n: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();

/** Fills every table of a SQLite database through the repositories; returns the crisis id. */
async function fill(repos: Repositories, db: Db): Promise<string> {
  const crisis = makeCrisis({ createdAt: at(0) });
  await repos.crises.insert(crisis);
  const consulate = makeAgency({ type: 'consulate', servesState: 'FRA', acronym: 'FR-CONS' });
  await repos.agencies.insert(consulate, at(1));
  const user = makeUser({ role: 'embassy', crisisId: crisis.id, agencyId: consulate.id });
  await repos.users.insert(user);
  await repos.sessions.insert({ id: 'session-hash', userId: user.id, createdAtMs: 1_767_225_600_000, lastSeenAtMs: 1_767_225_600_123 });
  const groups = [];
  // More groups than one copy batch, stored out of id order, so report order is not id order.
  for (let i = 0; i < 620; i++)
    groups.push(makeGroup({ crisisId: crisis.id, id: i % 2 === 0 ? uuidv7() : `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));
  let firstSeq = 0;
  for (const group of groups) {
    await repos.groups.insert(group);
    const seq = await repos.changeLog.appendGroupChange('group.report', group, user.id, group.updatedAt);
    firstSeq ||= seq;
  }
  const first = groups[0]!;
  const edited = { ...first, version: 2, status: 'verified' as const, location: { ...first.location, lat: 33.123456789012 } };
  await repos.groups.update(edited);
  const lastSeq = await repos.changeLog.appendGroupChange('group.setStatus', edited, user.id, at(5));
  await repos.idempotency.insert('cmd-pointer', user.id, firstSeq, lastSeq, at(5));
  await repos.audit.append({
    at: at(6),
    userId: user.id,
    role: 'embassy',
    action: 'export.groups',
    recordType: null,
    recordId: null,
    outcome: 'ok',
    detail: '{"rows":2}',
  });
  await repos.audit.append({ at: at(7), userId: null, role: null, action: 'session.sign_in', recordType: null, recordId: null, outcome: 'failed' });
  const figures = { stranded: 1, inNeed: 2, assisted: 3, evacuated: 4, openGroups: 5, unassignedNeeds: 6, overdueAssignments: 7 };
  await repos.sitreps.insert({ crisisId: crisis.id, number: 1, issuedAt: at(8), issuedBy: user.id, figures });
  const token = { id: uuidv7(), name: 'feed', agencyId: consulate.id, crisisId: crisis.id, tokenHash: 'token-hash', createdBy: user.id, createdAt: at(9) };
  await repos.apiTokens.insert(token);
  await repos.apiTokens.revoke(token.id, user.id, at(10));
  const importId = uuidv7();
  await repos.imports.start(importId, crisis.id, user.id, 'kobo.csv', at(11));
  // Retention's tables (issue 21): a policy, a purged group version and the ledger.
  await repos.retention.setPolicy({ crisisId: crisis.id, keepDays: 90, after: 'crisis_closed', crisisClosedAt: at(12), setAt: at(12) });
  await repos.retention.markPurged(edited.id, crisis.id, edited.version, at(13));
  await repos.retention.recordPurge({
    id: uuidv7(),
    crisisId: crisis.id,
    kind: 'retention',
    groupId: null,
    groups: 1,
    cutoff: at(13),
    reason: null,
    at: at(13),
  });
  // Boundaries: an area with a multipolygon, one without geometry, and a recomputation half done.
  const district = area('LY0101', 2, { type: 'MultiPolygon', coordinates: [[square(9, 19, 15, 34)], [square(16, 20, 17, 21)]] }, 'LY01');
  await repos.adminAreas.replace(crisis.id, [area('LY01', 1, null, null, 'طرابلس'), district], {
    source: 'adm2.geojson',
    synthetic: false,
    loadedAt: at(11),
    loadedBy: user.id,
  });
  await repos.adminAreas.setRecomputeCursor(crisis.id, 1, 300);
  // An idempotency record from before SQLite's migration 004 holds its ack as JSON (only raw SQL writes one now).
  db.prepare('INSERT INTO idempotency (command_id, user_id, result, at) VALUES (?, ?, ?, ?)').run('cmd-legacy', user.id, '{"ok":false,"code":"x"}', at(12));
  // A movement listing the edited group, with its change in the log (issue 20).
  const movement: Movement = {
    id: uuidv7(),
    crisisId: crisis.id,
    version: 1,
    kind: 'relocation_in_country',
    mode: 'bus',
    carrierAgencyId: null,
    seats: 100,
    destinationCountry: null,
    notes: 'مخيم',
    legs: [
      {
        id: uuidv7(),
        from: { siteId: null, place: { name: 'A', lat: 1, lon: 2 } },
        to: { siteId: null, place: { name: 'B', lat: 3, lon: 4 } },
        plannedDeparture: null,
        plannedArrival: null,
        status: 'planned',
        actualDeparture: null,
        actualArrival: null,
      },
    ],
    manifest: [],
    createdBy: user.id,
    createdAt: at(12),
    updatedAt: at(12),
  };
  const listed = planAddGroup(
    movement,
    { ...edited, consentConsulate: 'yes' },
    { pickup: null, specialNeeds: '', consent: { recordedBy: user.id, at: at(12) } },
  );
  if (isRefused(listed)) throw new Error(listed.message);
  await repos.movements.insert(listed);
  await repos.movements.appendChange('movement.create', listed, user.id, at(12));
  // A site (issue 20) and its logged change.
  const site = makeSite({ crisisId: crisis.id, name: 'Centre « Al Nour »', capacity: null });
  await repos.sites.insert(site);
  await repos.changeLog.appendSiteChange('site.create', site, user.id, at(14));
  // A change that was logged and later removed: its number must never be handed out again.
  const gone = await repos.changeLog.appendGroupChange('group.setStatus', { ...edited, version: 3 }, null, at(13));
  db.prepare('DELETE FROM change_log WHERE seq = ?').run(gone);
  return crisis.id;
}

describe('copyToPostgres', () => {
  let harness: PgHarness;
  let dir: string;
  let sqlite: Db;
  let pool: pg.Pool;

  beforeAll(async () => {
    harness = await startPostgres();
  });
  afterAll(() => harness.stop());
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wm-copy-'));
    sqlite = openDatabase(path.join(dir, 'waymark.db'));
    pool = await openPostgres(await harness.createDatabase(), { max: 2 });
  });
  afterEach(async () => {
    await pool.end();
    sqlite.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('copies every table, checks each, and PostgreSQL then answers as SQLite did', async () => {
    const sqliteRepos = createSqliteRepositories(sqlite);
    const crisisId = await fill(sqliteRepos, sqlite);
    const report = await copyToPostgres(sqlite, pool);
    expect(report.tables.every((t) => t.ok)).toBe(true);
    expect(Object.fromEntries(report.tables.map((t) => [t.table, t.postgresRows]))).toEqual({
      crises: 1,
      agencies: 1,
      users: 1,
      sessions: 1,
      groups: 620,
      change_log: 623,
      idempotency: 2,
      audit: 2,
      sitreps: 1,
      api_tokens: 1,
      imports: 1,
      retention_policies: 1,
      purged_groups: 1,
      purges: 1,
      admin_boundaries: 1,
      admin_areas: 2,
      sites: 1,
      movements: 1,
      movement_groups: 1,
      'groups in report order': 620,
    });
    expect(report.headSeq).toBe(624);

    const pgRepos = createPostgresRepositories(pool);
    const inOrder = async (repos: Repositories): Promise<string[]> => {
      const ids: string[] = [];
      for await (const group of eachGroup(repos, crisisId, 100)) ids.push(group.id);
      return ids;
    };
    expect(await inOrder(pgRepos)).toEqual(await inOrder(sqliteRepos));
    expect(await pgRepos.idempotency.find('cmd-pointer')).toEqual(await sqliteRepos.idempotency.find('cmd-pointer'));
    expect(await pgRepos.audit.query({ limit: 10 })).toEqual(await sqliteRepos.audit.query({ limit: 10 }));
    // 621 group changes, the movement's (622) and the site's (623).
    expect(await pgRepos.changeLog.headSeq()).toBe(623);
    expect(await pgRepos.movements.pageByCrisis(crisisId, '', 10)).toEqual(await sqliteRepos.movements.pageByCrisis(crisisId, '', 10));
    expect(await pgRepos.movements.listChanges(crisisId, 0, 623, 10)).toEqual(await sqliteRepos.movements.listChanges(crisisId, 0, 623, 10));
    const sitesOf = async (repos: Repositories) => repos.sites.pageByCrisis(crisisId, '', 10);
    expect(await sitesOf(pgRepos)).toEqual(await sitesOf(sqliteRepos));
    expect(await pgRepos.changeLog.listAfter(crisisId, 621, 623)).toEqual(await sqliteRepos.changeLog.listAfter(crisisId, 621, 623));
    expect(await pgRepos.adminAreas.listByCrisis(crisisId)).toEqual(await sqliteRepos.adminAreas.listByCrisis(crisisId));
    expect(await pgRepos.adminAreas.boundaries(crisisId)).toEqual(await sqliteRepos.adminAreas.boundaries(crisisId));
    const group = makeGroup({ crisisId });
    await pgRepos.groups.insert(group);
    // The next number follows the last one SQLite handed out (624 was deleted), and audit ids continue.
    expect(await pgRepos.changeLog.appendGroupChange('group.report', group, null, at(20))).toBe(625);
    await pgRepos.audit.append({ at: at(21), userId: null, role: null, action: 'audit.read', recordType: null, recordId: null, outcome: 'ok' });
    expect((await pgRepos.audit.query({ limit: 1 }))[0]?.id).toBe(3);
  });

  it('leaves PostgreSQL statistics of every table it filled, so that paging a big crisis walks the index', async () => {
    // Without them the planner guessed a few hundred rows per crisis and read every later group of
    // the crisis for each page of 1,000: a 100,000-group first state took 4.7 s of paging on a
    // fresh copy instead of 0.9 s (issue 15). Statistics exist only once ANALYZE has run.
    await fill(createSqliteRepositories(sqlite), sqlite);
    const report = await copyToPostgres(sqlite, pool);
    expect(report.analyzed).toBe(true);
    const filled = report.tables.filter((t) => t.postgresRows > 0 && t.table !== 'groups in report order').map((t) => t.table);
    expect(filled).toContain('groups');
    const { rows } = await pool.query<{ table: string }>(
      'SELECT DISTINCT tablename AS table FROM pg_stats WHERE schemaname = current_schema() AND tablename = ANY($1::text[])',
      [filled],
    );
    expect(rows.map((r) => r.table).sort()).toEqual([...filled].sort());
  });

  it('refuses a PostgreSQL database that already holds data, and leaves it as it was', async () => {
    await fill(createSqliteRepositories(sqlite), sqlite);
    await copyToPostgres(sqlite, pool);
    await expect(copyToPostgres(sqlite, pool)).rejects.toThrow(PostgresNotEmptyError);
    expect((await pool.query<{ n: string }>('SELECT count(*) AS n FROM groups')).rows[0]?.n).toBe('620');
  });

  it('finds a tampered row, names its table, and a failed copy leaves PostgreSQL empty', async () => {
    const sqliteRepos = createSqliteRepositories(sqlite);
    await fill(sqliteRepos, sqlite);
    await copyToPostgres(sqlite, pool);
    await pool.query('UPDATE groups SET data = replace(data, \'"reported"\', \'"closed"\') WHERE id = (SELECT id FROM groups ORDER BY id DESC LIMIT 1)');
    const failure = await verifyCopy(sqlite, pool).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CopyMismatchError);
    const report = (failure as CopyMismatchError).report;
    expect(report.tables.filter((t) => !t.ok).map((t) => t.table)).toEqual(['groups']);

    const fresh = await openPostgres(await harness.createDatabase(), { max: 1 });
    const rowsIn = async (table: string): Promise<string | undefined> => (await fresh.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n;
    try {
      // SQLite text may hold a NUL character; PostgreSQL text may not. The audit table is copied
      // after groups and the change log, so this fails half-way, and nothing copied may remain.
      await sqliteRepos.audit.append({
        at: at(30),
        userId: null,
        role: null,
        action: 'audit.read',
        recordType: null,
        recordId: null,
        outcome: 'ok',
        detail: 'a\u0000b',
      });
      await expect(copyToPostgres(sqlite, fresh)).rejects.toThrow(/0x00/);
      expect([await rowsIn('crises'), await rowsIn('groups'), await rowsIn('change_log'), await rowsIn('change_head WHERE seq > 0')]).toEqual([
        '0',
        '0',
        '0',
        '0',
      ]);
      sqlite.exec('CREATE TABLE notes (id TEXT PRIMARY KEY)');
      await expect(copyToPostgres(sqlite, fresh)).rejects.toThrow(CopySchemaMismatchError);
    } finally {
      await fresh.end();
    }
  });
});
