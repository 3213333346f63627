import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config';
import { BackupError, backupSqlite, restoreSqlite, RestoreUndoesPurgesError } from './db/backup';
import { RetentionInputError, RetentionService } from './services/retention.service';
import { RetentionPolicyInput, type RetentionPolicy } from '../shared/retention';
import fs from 'node:fs';
import { openDatabase } from './db/database';
import { CopyMismatchError, CopySchemaMismatchError, copyToPostgres, PostgresNotEmptyError } from './db/copy-to-postgres';
import { openStore } from './db/open-store';
import { openPostgres, PostgresOpenError, redactDatabaseUrl } from './db/postgres';
import { AdminAreaIndexes } from './services/admin-area-indexes';
import { AdminAreaService } from './services/admin-area.service';
import type { AreaPreview } from '../shared/schemas/admin-area.schema';
import {
  AdminInputError,
  AdminNotFoundError,
  AdminService,
  LOCAL_OPERATOR,
  NewCrisisInput,
  NewUserInput,
  parseOrThrow,
  UserScopeInput,
} from './services/admin.service';

// The admin command: `npm run admin -- <command> [options]`. Opens WAYMARK_DATA_DIR's database
// (the server may keep running: SQLite's WAL lets both work), or WAYMARK_DATABASE_URL's PostgreSQL,
// and goes through the same services.

const USAGE = `usage: npm run admin -- <command> [options]

  create-crisis --name NAME --type conflict|natural_disaster --host ISO3
                --phase preparedness|emergency_response|post_crisis --bbox west,south,east,north
  create-agency --name NAME --acronym ACRONYM --type TYPE [--serves ISO3]
                TYPE: un, ingo, nngo, red_cross_crescent, host_government, consulate, civil_society
  create-user   --username NAME --role field|coordinator|responder|embassy|admin
                --display-name NAME [--agency ACRONYM] [--crisis CRISIS_ID]
                The password comes from WAYMARK_PASSWORD or standard input, never from the command line.
  disable-user   --user USERNAME_OR_ID   disables the account and ends its sessions
  enable-user    --user USERNAME_OR_ID
  reset-password --user USERNAME_OR_ID   new password from WAYMARK_PASSWORD or standard input;
                                         ends the account's sessions
  end-sessions   --user USERNAME_OR_ID   signs the account out everywhere
  change-user    --user USERNAME_OR_ID --role ROLE [--agency ACRONYM] [--crisis CRISIS_ID]
                                         new role, agency and crisis, checked like a new user's
  list          crises, agencies and users (never password hashes)
  load-admin-areas --crisis CRISIS_ID --file PATH [--file PATH] [--dry-run]
                admin 1 and 2 boundaries from COD-AB GeoJSON (as HDX publishes them: ADM1_PCODE,
                ADM1_EN, ADM2_PCODE, ...; one file per level or both in one). Prints what was found
                and every problem; with --dry-run, or when a problem is an error, stores nothing.
                Otherwise replaces the crisis's boundaries and recomputes every group's admin areas
                (the change log carries each moved group to the running server's clients).
  copy-to-postgres --database-url postgres://USER:PASSWORD@HOST:PORT/DATABASE
                copies this data folder's SQLite database into an EMPTY PostgreSQL database
                (its schema is created first), then checks every table: row count and SHA-256
                of its rows on both sides. Stop the server first: writes made during the copy
                would be left behind. Then start the nodes with WAYMARK_DATABASE_URL.

  set-retention --crisis CRISIS_ID --keep-days N --after group-change|crisis-closed
                how long the crisis keeps its groups' details: N days after a group was last
                changed, or N days after the crisis is closed (close-crisis)
  close-crisis  --crisis CRISIS_ID       starts a crisis-closed retention period now
  retention     every crisis's retention policy and the purge ledger
  purge         purges now what the retention policies make due (the server also does it hourly)
  backup --to FILE
                writes a consistent copy of the running SQLite database (online backup API) to
                a new FILE and checks it. On PostgreSQL use pg_dump: see the README.
  restore --from FILE [--accept-purged-data-returns]
                puts a backup in place of the SQLite database (stop the server first); refused
                when the current database recorded purges the backup predates, unless accepted

  With WAYMARK_DATABASE_URL set, every command but copy-to-postgres, backup and restore works on PostgreSQL.

  A running server closes the affected user's open connections within a second.
`;

/** A mistake in how the command was called; printed with the usage. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Values = Record<string, string | undefined>;

function parse(args: string[], options: string[]): Values {
  const { values, positionals } = parseArgs({
    args,
    options: Object.fromEntries(options.map((o) => [o, { type: 'string' as const }])),
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  const out: Values = {};
  for (const [k, v] of Object.entries(values)) out[k] = typeof v === 'string' ? v : undefined;
  return out;
}

function required(values: Values, name: string): string {
  const value = values[name];
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value;
}

function parseBbox(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 4 || parts.some((p) => p === '' || !Number.isFinite(Number(p)))) {
    throw new UsageError('--bbox must be four numbers: west,south,east,north');
  }
  return parts.map(Number);
}

async function readPassword(): Promise<string> {
  const fromEnv = process.env['WAYMARK_PASSWORD'];
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) process.stderr.write('password (then Enter, then Ctrl-D): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password === '') throw new UsageError('no password: set WAYMARK_PASSWORD or pipe it on standard input');
  return password;
}

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help') {
    process.stdout.write(USAGE);
    return;
  }
  const config = loadConfig(process.env);
  if (command === 'copy-to-postgres') return copyCommand(rest, config.databaseFile);
  if (command === 'backup' || command === 'restore') return backupCommand(command, rest, config);
  const repositories = await openStore(config);
  try {
    const admin = new AdminService(repositories);
    switch (command) {
      case 'create-crisis': {
        const v = parse(rest, ['name', 'type', 'host', 'phase', 'bbox']);
        const input = parseOrThrow(
          NewCrisisInput,
          {
            name: required(v, 'name'),
            type: required(v, 'type'),
            hostCountry: required(v, 'host').toUpperCase(),
            phase: required(v, 'phase'),
            area: parseBbox(required(v, 'bbox')),
          },
          'crisis',
        );
        const crisis = await admin.createCrisis(input);
        process.stdout.write(`created crisis ${crisis.id} (${crisis.name})\n`);
        return;
      }
      case 'create-agency': {
        const v = parse(rest, ['name', 'acronym', 'type', 'serves']);
        const agency = await admin.createAgency({
          name: required(v, 'name'),
          acronym: required(v, 'acronym'),
          type: required(v, 'type'),
          servesState: v['serves']?.toUpperCase() ?? null,
        });
        process.stdout.write(`created agency ${agency.id} (${agency.acronym})\n`);
        return;
      }
      case 'create-user': {
        const v = parse(rest, ['username', 'role', 'display-name', 'agency', 'crisis']);
        const fields = {
          username: required(v, 'username'),
          role: required(v, 'role'),
          displayName: required(v, 'display-name'),
          agency: v['agency'] ?? null,
          crisisId: v['crisis'] ?? null,
        };
        // Checked before the password is asked for, so a typo does not cost a typed password.
        await admin.checkUserScope(parseOrThrow(NewUserInput.omit({ password: true }), fields, 'user'));
        const input = parseOrThrow(NewUserInput, { ...fields, password: await readPassword() }, 'user');
        const user = await admin.createUser(input);
        process.stdout.write(`created user ${user.id} (${user.username}, ${user.role})\n`);
        return;
      }
      case 'disable-user':
      case 'enable-user': {
        const v = parse(rest, ['user']);
        const user = await admin.setDisabled(required(v, 'user'), command === 'disable-user');
        process.stdout.write(`${user.disabled ? 'disabled' : 'enabled'} user ${user.id} (${user.username})\n`);
        return;
      }
      case 'reset-password': {
        const v = parse(rest, ['user']);
        const ref = required(v, 'user');
        const user = await admin.resetPassword(ref, await readPassword());
        process.stdout.write(`reset the password of user ${user.id} (${user.username}); their sessions ended\n`);
        return;
      }
      case 'end-sessions': {
        const v = parse(rest, ['user']);
        const ended = await admin.endSessions(required(v, 'user'));
        process.stdout.write(`ended ${ended} session(s)\n`);
        return;
      }
      case 'change-user': {
        const v = parse(rest, ['user', 'role', 'agency', 'crisis']);
        const scope = parseOrThrow(UserScopeInput, { role: required(v, 'role'), agency: v['agency'] ?? null, crisisId: v['crisis'] ?? null }, 'user');
        const user = await admin.changeScope(required(v, 'user'), scope);
        process.stdout.write(`changed user ${user.id} (${user.username}) to ${user.role}\n`);
        return;
      }
      case 'set-retention': {
        const v = parse(rest, ['crisis', 'keep-days', 'after']);
        const days = required(v, 'keep-days');
        if (!/^\d+$/.test(days)) throw new UsageError('--keep-days must be a whole number of days');
        const input = parseOrThrow(
          RetentionPolicyInput,
          { crisisId: required(v, 'crisis'), keepDays: Number(days), after: required(v, 'after').replace('-', '_') },
          'retention policy',
        );
        const policy = await new RetentionService(repositories).setPolicy(input);
        process.stdout.write(`crisis ${policy.crisisId} keeps group details ${policy.keepDays} days after ${describeBasis(policy.after)}\n`);
        return;
      }
      case 'close-crisis': {
        const v = parse(rest, ['crisis']);
        const policy = await new RetentionService(repositories).closeCrisis(required(v, 'crisis'));
        process.stdout.write(`crisis ${policy.crisisId} closed at ${policy.crisisClosedAt ?? ''}\n`);
        return;
      }
      case 'retention': {
        parse(rest, []);
        const retention = new RetentionService(repositories);
        process.stdout.write(`${JSON.stringify({ policies: await retention.policies(), purges: await retention.ledger() }, null, 2)}\n`);
        return;
      }
      case 'purge': {
        parse(rest, []);
        // A running server finds the purge's changes in the log and sends them to its devices.
        for (const run of await new RetentionService(repositories).runDue()) {
          process.stdout.write(
            run.cutoff === null
              ? `crisis ${run.crisisId}: nothing due\n`
              : `crisis ${run.crisisId}: purged the details of ${run.groups} group(s) and ${run.imports} import name(s) last changed before ${run.cutoff}\n`,
          );
        }
        return;
      }
      case 'load-admin-areas':
        return await loadAdminAreas(rest, new AdminAreaService({ repos: repositories, indexes: new AdminAreaIndexes(repositories), publish: () => undefined }));
      case 'list': {
        parse(rest, []);
        process.stdout.write(`${JSON.stringify(await admin.list(), null, 2)}\n`);
        return;
      }
      default:
        throw new UsageError(`unknown command: ${command}`);
    }
  } finally {
    await repositories.close();
  }
}

const describeBasis = (after: RetentionPolicy['after']) => (after === 'group_change' ? 'a group was last changed' : 'the crisis is closed');

/** `backup` and `restore`: SQLite only; on PostgreSQL the database's own tools do it better (README). */
async function backupCommand(command: 'backup' | 'restore', args: string[], config: Config): Promise<void> {
  const accept = args.includes('--accept-purged-data-returns');
  const v = parse(
    args.filter((a) => a !== '--accept-purged-data-returns'),
    command === 'backup' ? ['to'] : ['from'],
  );
  if (config.databaseUrl) {
    throw new UsageError(
      `${command} works on the SQLite file only. For PostgreSQL use its own tools, which copy a live database consistently: ` +
        `pg_dump --format=custom --file=FILE "${redactDatabaseUrl(config.databaseUrl)}" (and pg_restore), or base backups with WAL archiving; see the README's "Backups" section`,
    );
  }
  if (command === 'backup') {
    if (!fs.existsSync(config.databaseFile)) throw new UsageError(`no SQLite database at ${config.databaseFile} (WAYMARK_DATA_DIR)`);
    const source = openDatabase(config.databaseFile, { readonly: true });
    try {
      const report = await backupSqlite(source, required(v, 'to'));
      process.stdout.write(`backed up to ${report.file}: ${report.bytes} bytes, change log head ${report.headSeq}, integrity ok\n`);
    } finally {
      source.close();
    }
    return;
  }
  const report = restoreSqlite(required(v, 'from'), config.databaseFile, { acceptPurgedDataReturns: accept });
  if (report.keptAs) process.stdout.write(`the database it replaced is kept as ${report.keptAs}\n`);
  process.stdout.write(`restored ${report.file}: change log head ${report.headSeq}\n`);
  if (report.undonePurges.length > 0) {
    process.stderr.write(
      `warning: ${report.undonePurges.length} purge(s) were undone. Run \`npm run admin -- purge\` now, and erase these groups again: ${report.undonePurges
        .flatMap((p) => (p.group_id ? [p.group_id] : []))
        .join(', ')}\n`,
    );
  }
}

/** `load-admin-areas`: preview, then (unless --dry-run or an error) store and recompute. */
async function loadAdminAreas(args: string[], areas: AdminAreaService): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { crisis: { type: 'string' }, file: { type: 'string', multiple: true }, 'dry-run': { type: 'boolean' } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
  const crisis = required({ crisis: values.crisis }, 'crisis');
  const paths = values.file ?? [];
  if (paths.length === 0) throw new UsageError('--file is required');
  const files = paths.map((path) => {
    if (!fs.existsSync(path)) throw new UsageError(`no file at ${path}`);
    return { name: path.split(/[\\/]/).at(-1) ?? path, text: fs.readFileSync(path, 'utf8') };
  });
  const result = await areas.load(LOCAL_OPERATOR, crisis, { files, dryRun: values['dry-run'] === true });
  process.stdout.write(describePreview(result.preview));
  if (result.committed) {
    process.stdout.write(
      `stored as boundary version ${result.version}; ${result.groupsChanged} of ${result.groupsChecked} group(s) moved to other admin areas\n`,
    );
  } else if (result.preview.ok) {
    process.stdout.write('dry run: nothing stored\n');
  } else {
    throw new AdminInputError('the files have errors (above); nothing was stored');
  }
}

/** A preview as lines of text: counts and first names per level, then the problems. */
function describePreview(preview: AreaPreview): string {
  const lines = preview.levels.map((l) => {
    const drawn = l.withoutGeometry > 0 ? ` (${l.withoutGeometry} named by their admin 2 areas only, not drawn)` : '';
    const names = l.names.slice(0, 10).join(', ') + (l.count > 10 ? ', ...' : '');
    return `admin ${l.level}: ${l.count} area(s)${drawn}${l.count > 0 ? `: ${names}` : ''}`;
  });
  for (const p of preview.problems) {
    const where = [p.file, p.feature === null ? null : `feature ${p.feature}`, p.pcode].filter((x) => x !== null).join(', ');
    lines.push(`${p.severity} ${p.code}${where ? ` (${where})` : ''}: ${p.message}`);
  }
  if (preview.moreProblems > 0) lines.push(`... and ${preview.moreProblems} more problem(s)`);
  return `${lines.join('\n')}\n`;
}

/** `copy-to-postgres`: this data folder's SQLite database into an empty PostgreSQL one, checked table by table. */
async function copyCommand(args: string[], databaseFile: string): Promise<void> {
  const v = parse(args, ['database-url']);
  const url = required(v, 'database-url');
  if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError('--database-url must be a postgres:// URL');
  if (!fs.existsSync(databaseFile)) throw new UsageError(`no SQLite database at ${databaseFile} (WAYMARK_DATA_DIR)`);
  const sqlite = openDatabase(databaseFile, { readonly: true });
  const pool = await openPostgres(url);
  try {
    const report = await copyToPostgres(sqlite, pool);
    for (const t of report.tables)
      process.stdout.write(`${t.table.padEnd(20)} ${String(t.postgresRows).padStart(9)} rows  sha256 ${t.postgresSha256.slice(0, 16)}  ok\n`);
    process.stdout.write(`copied and checked ${report.tables.length} tables into ${redactDatabaseUrl(url)}; the change log's head is ${report.headSeq}\n`);
    if (!report.analyzed)
      process.stderr.write('warning: PostgreSQL could not gather its statistics of the copied tables; run ANALYZE before serving a big crisis from it\n');
  } finally {
    sqlite.close();
    await pool.end();
  }
}

try {
  await run(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (
    error instanceof AdminInputError ||
    error instanceof AdminNotFoundError ||
    error instanceof ConfigError ||
    error instanceof PostgresOpenError ||
    error instanceof PostgresNotEmptyError ||
    error instanceof CopySchemaMismatchError ||
    error instanceof CopyMismatchError ||
    error instanceof RetentionInputError ||
    error instanceof BackupError ||
    error instanceof RestoreUndoesPurgesError
  ) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = 1;
  } else if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`error: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
