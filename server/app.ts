import http from 'node:http';
import express, { Router } from 'express';
import type { Config } from './config';
import { errorHandler, rejectMalformedPath } from './http/errors';
import { sameOriginGuard, type OriginPolicy } from './http/origin';
import { apiRoutes } from './http/api.routes';
import { basemapRoutes } from './http/basemap.routes';
import { securityHeaders } from './http/security-headers';
import { staticRoutes } from './http/static';
import { describeError, silentLogger, type Logger } from './log';
import type { Repositories } from './repositories/repositories';
import { AdminService } from './services/admin.service';
import { AuthService } from './services/auth.service';
import { adminRoutes } from './http/admin.routes';
import { readRoutes } from './http/read.routes';
import { coordinationRoutes } from './http/coordination.routes';
import { exportRoutes } from './http/export.routes';
import { ExportService } from './services/export.service';
import { CoordinationService } from './services/coordination.service';
import { consularRoutes } from './http/consular.routes';
import { ConsularService, memoIndex } from './services/consular.service';
import { ConsularSnapshots } from './services/consular-snapshots';
import { h3AreaIndex } from './services/h3-area-index';
import { AggregateAreaIndexes } from './services/aggregate-area-indexes';
import { ReadService } from './services/read.service';
import { API_ROUTES } from '../shared/schemas/api.schema';
import { GroupService } from './services/group.service';
import { CommandService, type PublishedChange } from './services/command.service';
import { SiteService } from './services/site.service';
import { MovementService } from './services/movement.service';
import { AdminAreaIndexes } from './services/admin-area-indexes';
import { AdminAreaService } from './services/admin-area.service';
import { adminAreaRoutes } from './http/admin-area.routes';
import { SyncService } from './services/sync.service';
import { changeLogSource } from './services/committed-changes';
import type { Cluster } from './socket/redis-cluster';
import { SignInLimiter } from './security/sign-in-limiter';
import { createSocketServer, userRoom, type WaymarkIo } from './socket/socket-server';
import { importRoutes } from './http/import.routes';
import { apiTokenRoutes, apiV1Routes } from './http/api-v1.routes';
import { ApiTokenService } from './services/api-token.service';
import { ApiV1Service } from './services/api-v1.service';
import { ImportService, type ImportPolicy } from './services/import.service';
import { DEFAULT_IMPORT_MAX_BYTES } from '../shared/schemas/import.schema';
import type { GroupCommitOptions, WritePath } from './write/group-commit';
import { RetentionService, type RetentionRun } from './services/retention.service';
import { retentionRoutes } from './http/retention.routes';
import { RetentionAdminService } from './services/retention-admin.service';

export interface AppDeps {
  repositories: Repositories;
  config: Pick<Config, 'basemapStyleUrl' | 'staticDir' | 'session' | 'sync' | 'allowedOrigins' | 'trustProxy'> &
    Partial<Pick<Config, 'signInLimit' | 'socketRate' | 'importMaxBytes' | 'apiRate' | 'consularRefreshMs' | 'basemapPmtiles' | 'retentionEveryMs'>>;
  /** Import chunking (tests make chunks small to watch progress). */
  importPolicy?: Partial<ImportPolicy>;
  logger?: Logger;
  /** The clock, in epoch milliseconds; tests replace it to expire sessions. */
  now?: () => number;
  /** Other server processes on the same database, reached through Redis (index.ts connects it). */
  cluster?: Cluster;
  /** Bounds of the socket commands' group commit; the defaults otherwise. */
  groupCommit?: GroupCommitOptions;
  /** Fewest changes a room's batch has to go packed to the sockets that asked (PACKED_LIVE_MIN). */
  packedLiveMin?: number;
}

/** A built, not yet listening, server. */
export interface App {
  httpServer: http.Server;
  io: WaymarkIo;
  /** The socket commands' group commit (the bench reads its batch sizes). */
  writes: WritePath;
  /**
   * Purges what the retention policies make due now and publishes it (the timer's run, on demand:
   * tests and the server's own timer call it; runs never overlap).
   */
  runRetention(): Promise<RetentionRun[]>;
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(port: number, host?: string): Promise<number>;
  /** Closes every socket and the HTTP server. The database is its opener's to close. */
  close(): Promise<void>;
}

/** Builds Express and Socket.IO over the given repositories. No side effects until listen(). */
export function createApp(deps: AppDeps): App {
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? Date.now;
  const { repositories: repos, config } = deps;
  const auth = new AuthService(repos, config.session, now, new SignInLimiter(config.signInLimit));
  // One cache of admin area indexes for the write path and the recomputation alike.
  const areaIndexes = new AdminAreaIndexes(repos);
  const groups = new GroupService(repos, now, areaIndexes);
  const commands = new CommandService(groups, new SiteService(repos, now, areaIndexes), new MovementService(repos, now));
  const sync = new SyncService(repos, config.sync);
  // One memoised index and one snapshot store for every channel that gives an embassy counts.
  // Admin areas once a crisis has boundaries, H3 cells until then.
  const areas = new AggregateAreaIndexes(repos, memoIndex(h3AreaIndex));
  const snapshots = new ConsularSnapshots(repos, areas, now, config.consularRefreshMs);
  const consular = new ConsularService(repos, areas, snapshots, now);

  const app = express();
  app.disable('x-powered-by');
  // One hop: the proxy's own X-Forwarded-* are believed, anything a client put before it is not.
  if (config.trustProxy) app.set('trust proxy', 1);
  app.use(securityHeaders(config.basemapStyleUrl));
  app.use(rejectMalformedPath);
  // One rule for the socket's handshake and every state-changing request (server/http/origin.ts).
  const origins: OriginPolicy = { allowedOrigins: config.allowedOrigins, trustProxy: config.trustProxy };
  app.use(sameOriginGuard(origins, logger));
  const httpServer = http.createServer(app);
  const sockets = createSocketServer(httpServer, {
    repositories: repos,
    auth,
    commands,
    sync,
    changes: changeLogSource(repos),
    logger,
    ...(deps.cluster ? { cluster: deps.cluster } : {}),
    origins,
    now,
    consular,
    ...(config.socketRate ? { socketRate: config.socketRate } : {}),
    ...(deps.groupCommit ? { groupCommit: deps.groupCommit } : {}),
    ...(deps.packedLiveMin !== undefined ? { packedLiveMin: deps.packedLiveMin } : {}),
  });

  const admin = new AdminService(repos, { onAccessRevoked: (userId) => sockets.disconnectUser(userId) });
  const imports = new ImportService({
    repos,
    groups,
    now,
    publish: (change) => sockets.publisher.publish(change),
    // This node's sockets only: the job (its file name) never goes through the cluster's signals;
    // the user's screen on another node reads the stored progress (GET the import).
    progress: (userId, job) => sockets.io.local.to(userRoom(userId)).emit('importProgress', job),
    ...(deps.importPolicy ? { policy: deps.importPolicy } : {}),
  });
  const adminAreas = new AdminAreaService({
    repos,
    indexes: areaIndexes,
    now,
    publish: (change) => sockets.publisher.publish(change),
    announce: (crisisId, version) => sockets.boundariesLoaded(crisisId, version),
  });
  const apiTokens = new ApiTokenService(repos, now, config.apiRate);
  const retention = new RetentionService(repos, now);
  const publishAll = (changes: readonly PublishedChange[]) => sockets.publisher.publishAll(changes);
  let retentionRun: Promise<RetentionRun[]> | null = null;
  const runRetention = (): Promise<RetentionRun[]> => {
    // A run still going (a big first purge) is shared rather than doubled.
    retentionRun ??= retention.runDue(publishAll).finally(() => {
      retentionRun = null;
    });
    return retentionRun;
  };
  let retentionTimer: NodeJS.Timeout | null = null;
  const adminRouter = Router();
  adminRouter.use(API_ROUTES.admin, adminRoutes({ auth, admin }));
  app.use(
    apiRoutes({
      auth,
      policy: config.session,
      onSignOut: (sessionId) => sockets.disconnectSession(sessionId),
      basemapStyleUrl: config.basemapStyleUrl,
      basemapPmtiles: Boolean(config.basemapPmtiles),
      routers: [
        ...(config.basemapPmtiles ? [basemapRoutes({ auth, file: config.basemapPmtiles, logger })] : []),
        adminRouter,
        coordinationRoutes({ auth, coordination: new CoordinationService(repos, now) }),
        readRoutes({ auth, reads: new ReadService(repos, snapshots, now) }),
        exportRoutes({ auth, exports: new ExportService(repos, areas, now) }, now),
        importRoutes({ auth, imports, maxBytes: config.importMaxBytes ?? DEFAULT_IMPORT_MAX_BYTES }),
        apiTokenRoutes({ auth, tokens: apiTokens }),
        apiV1Routes({ tokens: apiTokens, reads: new ApiV1Service(repos) }),
        retentionRoutes({ auth, retention, admin: new RetentionAdminService(repos, retention, runRetention), publish: publishAll }),
        consularRoutes({ auth, consular }),
        adminAreaRoutes({ auth, areas: adminAreas }),
      ],
    }),
  );
  const statics = staticRoutes(config.staticDir);
  if (statics) app.use(statics);
  else logger.warn('static.missing', { staticDir: config.staticDir });
  app.use(errorHandler(logger));

  return {
    httpServer,
    io: sockets.io,
    writes: sockets.writes,
    runRetention,
    listen(port, host) {
      if (config.retentionEveryMs !== undefined && retentionTimer === null) {
        retentionTimer = setInterval(() => {
          runRetention().then(
            (runs) => {
              for (const run of runs) if (run.groups > 0 || run.imports > 0) logger.info('retention.purged', { ...run });
            },
            (error: unknown) => logger.error('retention.failed', describeError(error)),
          );
        }, config.retentionEveryMs);
        retentionTimer.unref();
      }
      return new Promise((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        httpServer.once('error', onError);
        httpServer.listen(port, host, () => {
          httpServer.off('error', onError);
          // A boundary recomputation a restart cut short goes on (its pages are idempotent).
          adminAreas.resumePending().catch((error: unknown) => logger.error('admin_areas.resume_failed', { error: String(error) }));
          const address = httpServer.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    },
    async close() {
      if (retentionTimer !== null) clearInterval(retentionTimer);
      await new Promise<void>((resolve) => {
        // io.close() disconnects every socket, then closes the HTTP server; keep-alive HTTP
        // connections would hold that close open, so they are cut too.
        sockets.stopSweeping();
        void sockets.io.close(() => resolve());
        httpServer.closeAllConnections();
      });
      // Commands already received are still answered (into closed sockets).
      await sockets.writes.close();
    },
  };
}
