import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { openStore } from './db/open-store';
import { PlainTransactionNeeded } from './repositories/contract';
import { createConsoleLogger, describeError } from './log';
import { DEMO_PASSWORD, DEMO_USERS, seedDemoIfEmpty } from './seed/demo-seed';
import { PostgresOpenError, redactDatabaseUrl } from './db/postgres';
import type { Cluster } from './socket/cluster';
import { ClusterUnavailableError, connectPostgresCluster } from './socket/postgres-cluster';
import { connectCluster, redactRedisUrl, RedisUnavailableError } from './socket/redis-cluster';

// Wiring only: configuration, database, demo seed, listening, and a clean stop on signals.

const logger = createConsoleLogger();

function configOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

const config = configOrExit();
async function storeOrExit() {
  try {
    return await openStore(config, {
      onError: (error) => logger.error('database.error', describeError(error)),
      // Rare (a command failed mid-batch): the batch's commands were run again one savepoint each.
      // A movement write asks for it by design (pg/movement.repository.ts): not worth a warning.
      onBatchRetry: (cause) => {
        if (!(cause instanceof PlainTransactionNeeded)) logger.warn('write.batch_retried', describeError(cause));
      },
    });
  } catch (error) {
    // PostgreSQL unreachable, a migration refused, synchronous_commit off: said in one line
    // (never the password), and the process exits rather than serve half a cluster.
    if (!(error instanceof PostgresOpenError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
const repositories = await storeOrExit();

if (config.demo) {
  const seeded = await seedDemoIfEmpty(repositories);
  if (seeded) logger.info('demo.seeded', { crisisId: seeded.crisisId, groups: seeded.groups });
  if ((await repositories.crises.list()).some((c) => c.isDemo)) {
    logger.warn('demo.active', {
      note: 'this database holds the SYNTHETIC demo crisis; none of it describes real people. Set WAYMARK_DEMO=off on an empty database for a real deployment.',
      accounts: Object.values(DEMO_USERS).join(', '),
      password: DEMO_PASSWORD,
    });
  }
}

/**
 * The signals between nodes: Redis when WAYMARK_REDIS_URL names one (several processes on one
 * SQLite file, or PostgreSQL nodes that keep Redis), else PostgreSQL itself when it is the store
 * (LISTEN/NOTIFY through @socket.io/postgres-adapter: a cluster needs nothing else), else none.
 */
async function clusterOrExit(): Promise<Cluster | undefined> {
  try {
    if (config.redisUrl) return await connectCluster(config.redisUrl, logger);
    if (config.databaseUrl) return await connectPostgresCluster(config.databaseUrl, logger);
    return undefined;
  } catch (error) {
    if (!(error instanceof RedisUnavailableError || error instanceof ClusterUnavailableError)) throw error;
    process.stderr.write(`${error.message}\n`);
    await repositories.close();
    process.exit(1);
  }
}

// Several processes on this database: Redis carries change announcements and disconnects between them.
const cluster = await clusterOrExit();
const app = createApp({
  repositories,
  config,
  logger,
  ...(cluster ? { cluster } : {}),
});
const port = await app.listen(config.port);
logger.info('server.listening', {
  port,
  dataDir: config.dataDir,
  database: repositories.engine,
  staticDir: config.staticDir,
  redis: config.redisUrl ? redactRedisUrl(config.redisUrl) : null,
  postgres: config.databaseUrl ? redactDatabaseUrl(config.databaseUrl) : null,
});

let stopping = false;
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info('server.stopping', { signal });
  await app.close();
  await cluster?.close();
  // SQLite: closing checkpoints the WAL into the database file. PostgreSQL: the pool ends.
  await repositories.close();
  logger.info('server.stopped', { signal });
  process.exitCode = 0;
}
process.once('SIGTERM', (signal) => void stop(signal));
process.once('SIGINT', (signal) => void stop(signal));
