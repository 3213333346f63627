import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { openStore } from './db/open-store';
import { createConsoleLogger, describeError } from './log';
import { DEMO_PASSWORD, DEMO_USERS, seedDemoIfEmpty } from './seed/demo-seed';
import { connectCluster, redactRedisUrl, RedisUnavailableError, type Cluster } from './socket/redis-cluster';

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
const repositories = await openStore(config, { onError: (error) => logger.error('database.error', describeError(error)) });

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

async function clusterOrExit(url: string): Promise<Cluster> {
  try {
    return await connectCluster(url, logger);
  } catch (error) {
    if (!(error instanceof RedisUnavailableError)) throw error;
    process.stderr.write(`${error.message}\n`);
    await repositories.close();
    process.exit(1);
  }
}

// Several processes on this database: Redis carries change announcements and disconnects between them.
const cluster = config.redisUrl ? await clusterOrExit(config.redisUrl) : undefined;
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
