import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Db } from './database';

/** A backup or restore that cannot be carried out as asked; its message says why and what to do. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
}

/**
 * Restoring would bring back data purged since the backup was taken (retention or erasure): refused
 * unless the operator says they know, and then they must purge again (the message says how).
 */
export class RestoreUndoesPurgesError extends Error {
  override readonly name = 'RestoreUndoesPurgesError';
  readonly purges: LedgerLine[];

  constructor(purges: LedgerLine[]) {
    const lines = purges.map((p) => `  ${p.at}  ${p.kind.padEnd(9)}  crisis ${p.crisis_id}${p.group_id ? `  group ${p.group_id}` : ''}  ${p.groups} group(s)`);
    super(
      `this backup was taken before ${purges.length} purge(s) recorded in the current database; restoring it would bring the purged details back:\n${lines.join('\n')}\n` +
        'Restore anyway with --accept-purged-data-returns, then at once run `npm run admin -- purge` (retention) and erase the listed groups again.',
    );
    this.purges = purges;
  }
}

/** One row of the purge ledger, as the restore compares it. */
export interface LedgerLine {
  id: string;
  crisis_id: string;
  kind: string;
  group_id: string | null;
  groups: number;
  at: string;
}

/** What a backup or a restore checked. */
export interface BackupReport {
  file: string;
  bytes: number;
  /** Rows per table of the copy (the restore's check compares them with the source). */
  tables: Record<string, number>;
  /** The change log's head in the copy: the last change it holds. */
  headSeq: number;
}

/** The tables and their row counts, and the log's head, of an open database. */
function describe(db: Db, file: string): BackupReport {
  const names = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map((r) => r.name);
  const tables: Record<string, number> = {};
  // Names come from sqlite_master itself, quoted: no outside input reaches this SQL.
  for (const name of names) tables[name] = db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM "${name.replaceAll('"', '""')}"`).get()?.n ?? 0;
  const head = names.includes('change_log') ? (db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM change_log').get()?.seq ?? 0) : 0;
  return { file, bytes: fs.statSync(file).size, tables, headSeq: head };
}

/** Opens a file read-only and refuses it unless SQLite finds it whole and it is a Waymark database. */
function openChecked(file: string): Db {
  if (!fs.existsSync(file)) throw new BackupError(`no file at ${file}`);
  let db: Db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`${file} is damaged: integrity_check says ${String(check)}`);
    const isWaymark = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
    if (!isWaymark) throw new BackupError(`${file} is not a Waymark database`);
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`${file} is not a readable SQLite database (${error instanceof Error ? error.message : String(error)})`);
  }
  return db;
}

/**
 * Writes a consistent copy of the live database to `dest` with SQLite's online backup API, while
 * the server keeps writing: the copy is taken in one step (one read transaction under WAL, which
 * does not hold writers up), so it is the database as of one commit. The copy goes to a temporary
 * name beside `dest`, is checked (integrity_check) and only then takes its name, so a backup file
 * that exists is a whole one. Refuses to overwrite.
 */
export async function backupSqlite(source: Db, dest: string): Promise<BackupReport> {
  const target = path.resolve(dest);
  if (fs.existsSync(target)) throw new BackupError(`${target} already exists: choose a new name (a backup never overwrites one)`);
  if (!fs.existsSync(path.dirname(target))) throw new BackupError(`the folder ${path.dirname(target)} does not exist`);
  const partial = `${target}.partial`;
  fs.rmSync(partial, { force: true });
  try {
    // Every remaining page in the next step: a step-by-step copy would restart whenever the server
    // commits in between, and under steady writes might never finish.
    await source.backup(partial, { progress: () => 0x7fffffff });
    const copy = openChecked(partial);
    copy.close();
    fs.renameSync(partial, target);
  } finally {
    fs.rmSync(partial, { force: true });
  }
  const copy = openChecked(target);
  try {
    return describe(copy, target);
  } finally {
    copy.close();
  }
}

function ledger(db: Db): LedgerLine[] {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'purges'").get();
  return has ? db.prepare<[], LedgerLine>('SELECT id, crisis_id, kind, group_id, groups, at FROM purges ORDER BY at, id').all() : [];
}

/**
 * Puts a backup in place of the database file (the server must be stopped: SQLite cannot swap a
 * file under an open connection). The backup is checked first; if the current database recorded
 * purges the backup does not know of, restoring would bring purged data back, and it is refused
 * unless `acceptPurgedDataReturns`. The current file is kept beside it as `<name>.before-restore-<time>`
 * until the operator deletes it; its WAL and shared-memory files are removed so that SQLite does
 * not replay them onto the restored file.
 */
export function restoreSqlite(
  backupFile: string,
  databaseFile: string,
  options: { acceptPurgedDataReturns?: boolean; now?: () => number } = {},
): BackupReport & { undonePurges: LedgerLine[]; keptAs: string | null } {
  const backup = openChecked(path.resolve(backupFile));
  let report: BackupReport;
  let backupLedger: Set<string>;
  try {
    report = describe(backup, path.resolve(backupFile));
    backupLedger = new Set(ledger(backup).map((p) => p.id));
  } finally {
    backup.close();
  }
  let undone: LedgerLine[] = [];
  if (fs.existsSync(databaseFile)) {
    const current = openChecked(databaseFile);
    try {
      undone = ledger(current).filter((p) => !backupLedger.has(p.id));
    } finally {
      current.close();
    }
  }
  if (undone.length > 0 && !options.acceptPurgedDataReturns) throw new RestoreUndoesPurgesError(undone);
  let keptAs: string | null = null;
  if (fs.existsSync(databaseFile)) {
    keptAs = `${databaseFile}.before-restore-${new Date((options.now ?? Date.now)()).toISOString().replaceAll(':', '-')}`;
    fs.renameSync(databaseFile, keptAs);
  }
  for (const suffix of ['-wal', '-shm']) {
    const side = `${databaseFile}${suffix}`;
    if (fs.existsSync(side)) fs.renameSync(side, `${keptAs ?? databaseFile}${suffix}`);
  }
  const staging = `${databaseFile}.restoring`;
  fs.copyFileSync(path.resolve(backupFile), staging);
  fs.renameSync(staging, databaseFile);
  return { ...report, file: databaseFile, undonePurges: undone, keptAs };
}
