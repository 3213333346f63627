import { createAdapter } from '@socket.io/redis-adapter';
import { ClientClosedError, createClient, DisconnectsClientError } from 'redis';
import type { Logger } from '../log';
import { describeError } from '../log';
import type { Cluster } from './cluster';

// socket-server.ts and index.ts still import the type from here.
export type { Cluster } from './cluster';

/** Raised at start when Redis cannot be reached: the server must not run half-clustered. */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

/** Redis's address without its password, for logs and errors. */
export function redactRedisUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/**
 * Connects the publishing and the subscribed Redis clients. Redis unreachable at start: rejects
 * with RedisUnavailableError (index.ts prints it and exits). Lost later: logged once, the clients
 * reconnect by themselves with a capped backoff, and the server keeps serving its own sockets.
 */
export async function connectCluster(url: string, logger: Logger): Promise<Cluster> {
  const where = redactRedisUrl(url);
  let started = false;
  const options = {
    url,
    socket: {
      connectTimeout: 5_000,
      // Before the first connection a failure is final (the server refuses to start); after it,
      // retry forever: 100 ms, 200 ms, ... up to 2 s between attempts.
      reconnectStrategy: (retries: number, cause: Error) => (started ? Math.min(100 * (retries + 1), 2_000) : cause),
    },
  };
  const pub = createClient(options);
  const sub = pub.duplicate();
  for (const [role, client] of [
    ['pub', pub],
    ['sub', sub],
  ] as const) {
    let up = false;
    client.on('ready', () => {
      if (started && !up) logger.info('redis.reconnected', { client: role });
      up = true;
    });
    client.on('error', (error: unknown) => {
      // One line per outage, not one per reconnection attempt.
      if (started && up) logger.error('redis.lost', { client: role, redis: where, ...describeError(error) });
      up = false;
    });
  }
  try {
    await Promise.all([pub.connect(), sub.connect()]);
  } catch (error) {
    for (const client of [pub, sub]) if (client.isOpen) client.destroy();
    const reason = error instanceof Error ? error.message : String(error);
    throw new RedisUnavailableError(`cannot reach Redis at ${where} (WAYMARK_REDIS_URL): ${reason}`);
  }
  started = true;
  return {
    adapter: createAdapter(pub, sub),
    connected: () => pub.isReady && sub.isReady,
    async close() {
      // The adapter's own close() sends its unsubscribe commands without awaiting them; with Redis
      // gone they wait in the client's queue and destroy() rejects them with nobody listening.
      // Those rejections, and only those, are expected from here on; anything else still crashes.
      process.on('unhandledRejection', (reason) => {
        if (!(reason instanceof DisconnectsClientError || reason instanceof ClientClosedError)) throw reason;
      });
      for (const client of [pub, sub]) {
        if (!client.isOpen) continue;
        // A graceful close waits for queued commands, which a Redis that is gone never answers.
        const graceful = client.isReady
          ? client.close().then(
              () => true,
              () => false,
            )
          : Promise.resolve(false);
        const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1_000).unref());
        if (!(await Promise.race([graceful, timeout])) && client.isOpen) client.destroy();
      }
    },
  };
}
