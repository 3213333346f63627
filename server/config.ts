import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_SIGN_IN_LIMIT, type SignInLimitPolicy } from './security/sign-in-limiter';
import { DEFAULT_SOCKET_RATE, type SocketRatePolicy } from './security/token-bucket';
import { DEFAULT_API_RATE } from './services/api-token.service';
import { DEFAULT_CONSULAR_REFRESH_MS } from './services/consular-snapshots';
import { DEFAULT_IMPORT_MAX_BYTES } from '../shared/schemas/import.schema';
import { pmtilesFileProblem } from './basemap/pmtiles-file';

/** Raised when the environment holds a value the server cannot run with; index.ts prints it and exits. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Hourly: a policy counts in days, so an hour late is nothing, and each run is cheap when nothing is due. */
export const DEFAULT_RETENTION_EVERY_MS = 3_600_000;

const positiveNumber = (fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, 'expected a positive number')
    .transform(Number)
    .pipe(z.number().positive())
    .optional()
    .transform((v) => v ?? fallback);

const EnvSchema = z.object({
  PORT: z
    .string()
    .trim()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(0).max(65_535))
    .optional()
    .transform((v) => v ?? 8080),
  WAYMARK_DATA_DIR: z
    .string()
    .trim()
    .min(1)
    .optional()
    .transform((v) => v ?? './data'),
  WAYMARK_DEMO: z
    .string()
    .trim()
    .optional()
    .transform((v) => v !== 'off'),
  WAYMARK_BASEMAP_STYLE_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === '' ? null : v))
    .pipe(z.url({ protocol: /^https?$/ }).nullable()),
  WAYMARK_BASEMAP_PMTILES: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === '' ? null : path.resolve(v))),
  WAYMARK_STATIC_DIR: z
    .string()
    .trim()
    .min(1)
    .optional()
    .transform((v) => v ?? 'dist/client'),
  WAYMARK_SESSION_IDLE_MINUTES: positiveNumber(30),
  WAYMARK_SESSION_ABSOLUTE_HOURS: positiveNumber(12),
  WAYMARK_ALLOWED_ORIGINS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== ''),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/ }).transform((u) => new URL(u).origin))),
  WAYMARK_TRUST_PROXY: z
    .enum(['on', 'off'])
    .optional()
    .transform((v) => v === 'on'),
  WAYMARK_SYNC_MAX_CHANGES: z
    .string()
    .trim()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1))
    .optional()
    .transform((v) => v ?? 10_000),
  WAYMARK_DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === '' ? null : v))
    .pipe(z.url({ protocol: /^postgres(ql)?$/, error: 'expected postgres://user:password@host:port/database' }).nullable()),
  WAYMARK_REDIS_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === '' ? null : v))
    .pipe(z.url({ protocol: /^rediss?$/ }).nullable()),
  WAYMARK_SIGNIN_MAX_FAILURES: positiveNumber(DEFAULT_SIGN_IN_LIMIT.maxPerAccount),
  WAYMARK_SIGNIN_MAX_FAILURES_PER_ADDRESS: positiveNumber(DEFAULT_SIGN_IN_LIMIT.maxPerAddress),
  WAYMARK_SIGNIN_WINDOW_MINUTES: positiveNumber(DEFAULT_SIGN_IN_LIMIT.windowMs / 60_000),
  WAYMARK_SIGNIN_LOCK_MINUTES: positiveNumber(DEFAULT_SIGN_IN_LIMIT.lockMs / 60_000),
  WAYMARK_CONSULAR_REFRESH_MINUTES: positiveNumber(DEFAULT_CONSULAR_REFRESH_MS / 60_000),
  WAYMARK_SOCKET_EVENTS_PER_SECOND: positiveNumber(DEFAULT_SOCKET_RATE.perSecond),
  WAYMARK_SOCKET_EVENTS_BURST: positiveNumber(DEFAULT_SOCKET_RATE.burst),
  WAYMARK_IMPORT_MAX_MB: positiveNumber(DEFAULT_IMPORT_MAX_BYTES / (1024 * 1024)),
  WAYMARK_API_REQUESTS_PER_SECOND: positiveNumber(DEFAULT_API_RATE.perSecond),
  WAYMARK_API_REQUESTS_BURST: positiveNumber(DEFAULT_API_RATE.burst),
  WAYMARK_RETENTION_EVERY_MINUTES: positiveNumber(DEFAULT_RETENTION_EVERY_MS / 60_000),
});

/** Everything the server reads from its environment, validated. */
export interface Config {
  port: number;
  dataDir: string;
  /** The SQLite file inside dataDir. */
  databaseFile: string;
  demo: boolean;
  basemapStyleUrl: string | null;
  /**
   * A local PMTiles archive of street-level tiles for the crisis region (WAYMARK_BASEMAP_PMTILES,
   * an absolute path): served to signed-in users with range requests and drawn over the bundled
   * basemap. Null (the default): the bundled basemap alone.
   */
  basemapPmtiles: string | null;
  staticDir: string;
  session: SessionPolicy;
  sync: SyncPolicy;
  /**
   * Browser origins allowed to open a socket and send state-changing requests besides the server's
   * own (e.g. when a proxy rewrites the Host header). Empty by default.
   */
  allowedOrigins: string[];
  /**
   * Whether one reverse proxy in front may be trusted for X-Forwarded-Proto/-For/-Host: then a
   * request that reached the proxy over HTTPS gets a Secure cookie, and the origin rule takes the
   * forwarded host and scheme as the server's own. Off by default (direct exposure): then no
   * forwarded header counts.
   */
  trustProxy: boolean;
  /** Failed sign-ins tolerated per username and per address before a lock. */
  signInLimit: SignInLimitPolicy;
  /** Socket events each connection may send (token bucket). */
  socketRate: SocketRatePolicy;
  /** Largest CSV file an import takes, in bytes. */
  importMaxBytes: number;
  /** Requests each API token may make (token bucket). */
  apiRate: SocketRatePolicy;
  /**
   * How often an embassy's figures about nationals it does not see in full are taken anew and
   * pushed (protection rule 10: never per change). WAYMARK_CONSULAR_REFRESH_MINUTES, default 10.
   */
  consularRefreshMs: number;
  /**
   * Redis for Socket.IO's adapter when several server processes share one database: the doorbell
   * that tells the others a change committed, and user/session disconnects across processes.
   * Null (the default) for one process.
   */
  redisUrl: string | null;
  /**
   * PostgreSQL (`postgres://…`): the shared store of a cluster of nodes. Null (the default): the
   * SQLite file in the data folder.
   */
  databaseUrl: string | null;
  /**
   * How often the server purges what retention policies make due (issue 21). A run that finds
   * nothing due costs one indexed query per crisis with a policy. WAYMARK_RETENTION_EVERY_MINUTES,
   * default 60.
   */
  retentionEveryMs: number;
}

/** How long a session lives. */
export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

/** When a reconnecting client gets a snapshot instead of the changes it missed. */
export interface SyncPolicy {
  /** A client further behind than this many changes gets a snapshot: cheaper than replaying them. */
  maxCatchUpChanges: number;
  /**
   * A coordinator's packed snapshot of a crisis with at least this many groups holds summaries
   * (shared/packed-views.ts `summarizeGroup`); the full group is read when one is selected.
   * Default `DEFAULT_SUMMARIES_FROM_GROUPS` (server/services/sync.service.ts).
   */
  summariesFromGroups?: number;
}

/** Default policies, for code that builds a Config without an environment (tests, CLI). */
export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };
export const DEFAULT_SYNC_POLICY: SyncPolicy = { maxCatchUpChanges: 10_000 };

/** The name of the database file inside the data directory. */
export const DATABASE_FILE_NAME = 'waymark.db';

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const basemapProblem = basemapPmtilesProblem(e.WAYMARK_BASEMAP_PMTILES, e.WAYMARK_BASEMAP_STYLE_URL);
  if (basemapProblem) throw new ConfigError(`invalid configuration:\n  WAYMARK_BASEMAP_PMTILES: ${basemapProblem}`);
  const dataDir = path.resolve(e.WAYMARK_DATA_DIR);
  return {
    port: e.PORT,
    dataDir,
    databaseFile: path.join(dataDir, DATABASE_FILE_NAME),
    demo: e.WAYMARK_DEMO,
    basemapStyleUrl: e.WAYMARK_BASEMAP_STYLE_URL,
    basemapPmtiles: e.WAYMARK_BASEMAP_PMTILES,
    staticDir: path.resolve(e.WAYMARK_STATIC_DIR),
    session: {
      idleMs: e.WAYMARK_SESSION_IDLE_MINUTES * 60_000,
      absoluteMs: e.WAYMARK_SESSION_ABSOLUTE_HOURS * 3_600_000,
    },
    sync: { maxCatchUpChanges: e.WAYMARK_SYNC_MAX_CHANGES },
    allowedOrigins: e.WAYMARK_ALLOWED_ORIGINS,
    trustProxy: e.WAYMARK_TRUST_PROXY,
    signInLimit: {
      maxPerAccount: Math.ceil(e.WAYMARK_SIGNIN_MAX_FAILURES),
      maxPerAddress: Math.ceil(e.WAYMARK_SIGNIN_MAX_FAILURES_PER_ADDRESS),
      windowMs: e.WAYMARK_SIGNIN_WINDOW_MINUTES * 60_000,
      lockMs: e.WAYMARK_SIGNIN_LOCK_MINUTES * 60_000,
    },
    socketRate: { perSecond: e.WAYMARK_SOCKET_EVENTS_PER_SECOND, burst: e.WAYMARK_SOCKET_EVENTS_BURST },
    importMaxBytes: Math.round(e.WAYMARK_IMPORT_MAX_MB * 1024 * 1024),
    apiRate: { perSecond: e.WAYMARK_API_REQUESTS_PER_SECOND, burst: e.WAYMARK_API_REQUESTS_BURST },
    redisUrl: e.WAYMARK_REDIS_URL,
    databaseUrl: e.WAYMARK_DATABASE_URL,
    consularRefreshMs: Math.round(e.WAYMARK_CONSULAR_REFRESH_MINUTES * 60_000),
    retentionEveryMs: Math.round(e.WAYMARK_RETENTION_EVERY_MINUTES * 60_000),
  };
}

/** Why the street basemap setting cannot be used, or null. The path is the operator's own: saying it helps them. */
function basemapPmtilesProblem(file: string | null, styleUrl: string | null): string | null {
  if (file === null) return null;
  // Two basemaps would leave the client to guess which one the operator meant: refuse instead.
  if (styleUrl !== null) return 'set either it or WAYMARK_BASEMAP_STYLE_URL, not both';
  return pmtilesFileProblem(file);
}
