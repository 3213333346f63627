import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApp, type App } from '../../server/app';
import { DATABASE_FILE_NAME, DEFAULT_SESSION_POLICY, DEFAULT_SYNC_POLICY, type SessionPolicy, type SyncPolicy } from '../../server/config';
import { openStore } from '../../server/db/open-store';
import { countRows, testDatabaseUrl } from './test-engine';
import { createConsoleLogger, type Logger } from '../../server/log';
import type { Repositories } from '../../server/repositories/repositories';
import { AdminService } from '../../server/services/admin.service';
import { DEMO_PASSWORD, DEMO_USERS, seedDemoIfEmpty } from '../../server/seed/demo-seed';
import { DEFAULT_SIGN_IN_LIMIT, type SignInLimitPolicy } from '../../server/security/sign-in-limiter';
import { DEFAULT_SOCKET_RATE, type SocketRatePolicy } from '../../server/security/token-bucket';
import type { ImportPolicy } from '../../server/services/import.service';
import type { RetentionRun } from '../../server/services/retention.service';
import type { Role } from '../../shared/schemas/user.schema';
import type { GroupCommitOptions, WritePath } from '../../server/write/group-commit';
import type { WaymarkIo } from '../../server/socket/socket-server';

/** Password of every fixture account. */
export const FIXTURE_PASSWORD = 'fixture-password-1';

/** Fixture usernames: one per role in the main crisis, plus accounts that test scope. */
export const FIXTURE_USERS = {
  coordinator: 'fx-coordinator',
  /** A second coordinator at another desk: two people changing the same group at once. */
  secondCoordinator: 'fx-coordinator-2',
  field: 'fx-field',
  responder: 'fx-responder',
  embassy: 'fx-embassy',
  admin: 'fx-admin',
  /** Embassy of Niger, same crisis: sees other nationals than `embassy`. */
  embassyNiger: 'fx-embassy-ner',
  /** A field user of another crisis: the main crisis's groups are "not found" for them. */
  otherField: 'fx-other-field',
} as const;
export type FixtureAccount = keyof typeof FIXTURE_USERS;

export const FIXTURE_CRISIS_NAME = 'Fixture crisis';
export const FIXTURE_OTHER_CRISIS_NAME = 'Fixture other crisis';

/** A username and password to sign in with. */
export interface Credentials {
  username: string;
  password: string;
}

export interface TestServerOptions {
  /** Reuse this folder's database (created if missing); a fresh temp folder by default. */
  dataDir?: string;
  /** Seed the synthetic demo crisis instead of the small fixture. */
  demo?: boolean;
  /** The client build to serve (e.g. 'dist/client'); by default none, so only the API runs. */
  staticDir?: string;
  sessionPolicy?: Partial<SessionPolicy>;
  syncPolicy?: Partial<SyncPolicy>;
  /** Browser origins allowed besides the server's own (WAYMARK_ALLOWED_ORIGINS). */
  allowedOrigins?: string[];
  /** A street-level PMTiles archive to serve (WAYMARK_BASEMAP_PMTILES). */
  basemapPmtiles?: string;
  /** Believe one proxy's X-Forwarded-* headers (WAYMARK_TRUST_PROXY=on). */
  trustProxy?: boolean;
  /** Sign-in lock thresholds (defaults: 10 per account, 50 per address, 15 min window, 30 min lock). */
  signInLimit?: Partial<SignInLimitPolicy>;
  /** Socket event budget per connection (default 20/s, burst 50). */
  socketRate?: SocketRatePolicy;
  /** Group commit bounds (server/write/group-commit.ts); the defaults otherwise. */
  groupCommit?: GroupCommitOptions;
  /**
   * A PostgreSQL database (postgres://…) instead of the SQLite file in the data folder. Default: the
   * engine the run asks for (`WAYMARK_TEST_ENGINE=postgres` gives each server a fresh database on the
   * run's PostgreSQL, see test/support/test-engine.ts), else SQLite.
   */
  databaseUrl?: string | null;
  /** Fewest changes a batch has to go packed to sockets that asked (default PACKED_LIVE_MIN). */
  packedLiveMin?: number;
  /** The server's clock in epoch ms (to expire sessions without waiting). */
  now?: () => number;
  /** Defaults to errors only, on stderr. */
  logger?: Logger;
  /** Largest CSV import in bytes (default 32 MB). */
  importMaxBytes?: number;
  /** Import chunking (default 500 rows per transaction). */
  importPolicy?: Partial<ImportPolicy>;
  /** Requests per API token (default 10/s, burst 60). */
  apiRate?: SocketRatePolicy;
  /** How often embassy figures are taken anew and pushed (default DEFAULT_CONSULAR_REFRESH_MS). */
  consularRefreshMs?: number;
}

/** A real server on a real SQLite file, listening on a free port. */
export interface TestServer {
  /** http://127.0.0.1:<port>; changes if a restart had to take another port. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly databaseFile: string;
  /** The crisis every role account works in (a reused database's first crisis when it has no fixture). */
  readonly crisisId: string;
  /** Sign-in details for one account per role (fixture or demo accounts). */
  readonly accounts: Readonly<Record<Role, Credentials>>;
  /** Sign-in details of every fixture account (fixture mode only; empty with the demo). */
  readonly fixtureAccounts: Readonly<Partial<Record<FixtureAccount, Credentials>>>;
  /** The running server's group commit (the bench watches its batches); null while stopped. */
  readonly writes: WritePath | null;
  /** The running server's Socket.IO server (a test reaches one connection's server side); null while stopped. */
  readonly io: WaymarkIo | null;
  /** The PostgreSQL database this server uses, or null on SQLite. */
  readonly databaseUrl: string | null;
  /** The running server's store (a test sets a retention policy through it); throws while stopped. */
  readonly repositories: Repositories;
  /** Runs the server's retention purge now, publishing to its sockets, as its timer would. */
  runRetention(): Promise<RetentionRun[]>;
  /** Counts a table's rows through a separate read-only connection (the server's stays untouched). */
  countRows(table: TableName): Promise<number>;
  /** Stops listening and closes the database; the file stays. */
  stop(): Promise<void>;
  /** Stops, then starts again on the same file: the same port if it is free, else a new one. */
  restart(): Promise<void>;
  /** Stops and deletes the data folder if this helper created it. */
  destroy(): Promise<void>;
}

export type TableName =
  | 'groups'
  | 'change_log'
  | 'audit'
  | 'idempotency'
  | 'sessions'
  | 'users'
  | 'crises'
  | 'agencies'
  | 'api_tokens'
  | 'imports'
  | 'sitreps'
  | 'purges'
  | 'purged_groups'
  | 'retention_policies';

interface Running {
  app: App;
  repositories: Repositories;
  port: number;
}

async function seedFixture(repos: Repositories): Promise<void> {
  // Cheap scrypt parameters: the fixture is rebuilt for every test file, and hashing is tested on its own.
  const admin = new AdminService(repos, { scrypt: { N: 1024, r: 8, p: 1 } });
  const area: [number, number, number, number] = [9.3, 19.5, 25.2, 33.2];
  const crisis = await admin.createCrisis({ name: FIXTURE_CRISIS_NAME, type: 'conflict', hostCountry: 'LBY', phase: 'emergency_response', area });
  const other = await admin.createCrisis({
    name: FIXTURE_OTHER_CRISIS_NAME,
    type: 'natural_disaster',
    hostCountry: 'LBN',
    phase: 'preparedness',
    area: [35.1, 33.0, 36.7, 34.7],
  });
  await admin.createAgency({ name: 'International Organization for Migration', acronym: 'IOM', type: 'un' });
  await admin.createAgency({ name: 'Embassy of Nigeria', acronym: 'NGA-EMB', type: 'consulate', servesState: 'NGA' });
  await admin.createAgency({ name: 'Embassy of Niger', acronym: 'NER-EMB', type: 'consulate', servesState: 'NER' });
  const users: { key: FixtureAccount; role: Role; agency: string | null; crisisId: string | null }[] = [
    { key: 'coordinator', role: 'coordinator', agency: null, crisisId: crisis.id },
    { key: 'secondCoordinator', role: 'coordinator', agency: null, crisisId: crisis.id },
    { key: 'field', role: 'field', agency: null, crisisId: crisis.id },
    { key: 'responder', role: 'responder', agency: 'IOM', crisisId: crisis.id },
    { key: 'embassy', role: 'embassy', agency: 'NGA-EMB', crisisId: crisis.id },
    { key: 'admin', role: 'admin', agency: null, crisisId: null },
    { key: 'embassyNiger', role: 'embassy', agency: 'NER-EMB', crisisId: crisis.id },
    { key: 'otherField', role: 'field', agency: null, crisisId: other.id },
  ];
  // One after another: the order of the users table stays the same from run to run.
  for (const u of users) {
    await admin.createUser({
      username: FIXTURE_USERS[u.key],
      password: FIXTURE_PASSWORD,
      role: u.role,
      displayName: `Fixture ${u.key}`,
      agency: u.agency,
      crisisId: u.crisisId,
    });
  }
}

/** The crisis of the seeded coordinator; for a database made some other way (e.g. by the admin command), its first crisis. */
async function mainCrisisId(repos: Repositories, coordinator: string): Promise<string> {
  const crisisId = (await repos.users.findByUsername(coordinator))?.crisisId ?? (await repos.crises.list())[0]?.id;
  if (!crisisId) throw new Error('the test database has no crisis');
  return crisisId;
}

/** Starts a real server (Express + Socket.IO + SQLite file) on port 0, seeded with the fixture or the demo. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'waymark-test-')));
  const databaseFile = path.join(dataDir, DATABASE_FILE_NAME);
  const databaseUrl = options.databaseUrl !== undefined ? options.databaseUrl : await testDatabaseUrl();
  const demo = options.demo ?? false;
  const config = {
    basemapStyleUrl: null,
    basemapPmtiles: options.basemapPmtiles ?? null,
    staticDir: path.resolve(options.staticDir ?? path.join(dataDir, 'no-client-build')),
    session: { ...DEFAULT_SESSION_POLICY, ...options.sessionPolicy },
    sync: { ...DEFAULT_SYNC_POLICY, ...options.syncPolicy },
    allowedOrigins: options.allowedOrigins ?? [],
    trustProxy: options.trustProxy ?? false,
    signInLimit: { ...DEFAULT_SIGN_IN_LIMIT, ...options.signInLimit },
    socketRate: options.socketRate ?? DEFAULT_SOCKET_RATE,
    ...(options.importMaxBytes ? { importMaxBytes: options.importMaxBytes } : {}),
    ...(options.apiRate ? { apiRate: options.apiRate } : {}),
    ...(options.consularRefreshMs ? { consularRefreshMs: options.consularRefreshMs } : {}),
  };
  const logger = options.logger ?? createConsoleLogger('error');

  async function start(port: number): Promise<Running> {
    const repositories = await openStore({ databaseUrl, databaseFile });
    if ((await repositories.crises.count()) === 0) {
      if (demo) await seedDemoIfEmpty(repositories);
      else await seedFixture(repositories);
    }
    const app = createApp({
      repositories,
      config,
      logger,
      ...(options.now ? { now: options.now } : {}),
      ...(options.importPolicy ? { importPolicy: options.importPolicy } : {}),
      ...(options.groupCommit ? { groupCommit: options.groupCommit } : {}),
      ...(options.packedLiveMin !== undefined ? { packedLiveMin: options.packedLiveMin } : {}),
    });
    try {
      return { app, repositories, port: await app.listen(port, '127.0.0.1') };
    } catch (error) {
      const inUse = error instanceof Error && 'code' in error && error.code === 'EADDRINUSE';
      if (!inUse || port === 0) {
        await repositories.close();
        throw error;
      }
      return { app, repositories, port: await app.listen(0, '127.0.0.1') };
    }
  }

  let running: Running | null = await start(0);
  const first = running;
  const usernames: Record<Role, string> = demo ? { ...DEMO_USERS } : { ...FIXTURE_USERS };
  const password = demo ? DEMO_PASSWORD : FIXTURE_PASSWORD;
  const crisisId = await mainCrisisId(first.repositories, usernames.coordinator);

  const credentials = (username: string): Credentials => ({ username, password });
  const stop = async () => {
    if (!running) return;
    const { app, repositories } = running;
    running = null;
    await app.close();
    await repositories.close();
  };
  let lastPort = first.port;

  return {
    get url() {
      return `http://127.0.0.1:${lastPort}`;
    },
    get port() {
      return lastPort;
    },
    get writes() {
      return running?.app.writes ?? null;
    },
    get io() {
      return running?.app.io ?? null;
    },
    dataDir,
    databaseFile,
    databaseUrl,
    get repositories() {
      if (!running) throw new Error('the test server is stopped');
      return running.repositories;
    },
    runRetention() {
      if (!running) throw new Error('the test server is stopped');
      return running.app.runRetention();
    },
    crisisId,
    accounts: {
      coordinator: credentials(usernames.coordinator),
      field: credentials(usernames.field),
      responder: credentials(usernames.responder),
      embassy: credentials(usernames.embassy),
      admin: credentials(usernames.admin),
    },
    fixtureAccounts: demo ? {} : Object.fromEntries(Object.entries(FIXTURE_USERS).map(([key, username]) => [key, credentials(username)])),
    countRows(table) {
      return countRows({ databaseUrl, databaseFile }, table);
    },
    stop,
    async restart() {
      await stop();
      running = await start(lastPort);
      lastPort = running.port;
    },
    async destroy() {
      await stop();
      if (ownsDir) await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
