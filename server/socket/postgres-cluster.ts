import { createAdapter, type PostgresAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import type { Namespace } from 'socket.io';
import { redactDatabaseUrl, redactMessage } from '../db/postgres';
import type { Logger } from '../log';
import { describeError } from '../log';
import { ensureAttachmentTable } from '../repositories/pg/cluster-attachment.repository';
import type { Cluster } from './cluster';
import { assertSignalOnly, ClusterSignalRefusedError } from './cluster-signal-guard';

/** Raised at start when PostgreSQL cannot be reached for the cluster's signals: the server must not run half-clustered. */
export class ClusterUnavailableError extends Error {
  override readonly name = 'ClusterUnavailableError';
}

/** The adapter's table for messages too large or too binary for NOTIFY; our guard keeps it empty (cluster-attachment.repository.ts). */
const ATTACHMENTS_TABLE = 'socket_io_attachments';

/** How long close() waits for the pool to end before it gives up on a database that does not answer. */
const CLOSE_WAIT_MS = 1_000;

/** A promise that never settles: it holds no timer and no socket, so it keeps nothing alive. */
const never = <T>() => new Promise<T>(() => undefined);

/**
 * Connects the cluster's signals through PostgreSQL with @socket.io/postgres-adapter, so several
 * nodes need PostgreSQL and nothing else. PostgreSQL unreachable at start: rejects with
 * ClusterUnavailableError. Lost later: logged once; the adapter takes a new LISTEN connection
 * every 1 to 3 s until one succeeds, and the server keeps serving its own sockets meanwhile.
 *
 * What the adapter puts in PostgreSQL: every message is `SELECT pg_notify('socket.io#/', json)`
 * on this pool, the JSON being socket.io-adapter's ClusterMessage (the sending node's random uid,
 * the namespace, a type number and its data). For us that is a heartbeat every 5 s, the
 * `serverSideEmit('committed', seq)` packet (a sequence number) and `disconnectSockets` options
 * (room names `user:<uuid>` or `session:<sha256 of the token>`). A message over 8000 bytes or
 * holding binary data would instead be stored, msgpack-encoded, in the attachments table, with
 * only its id in the NOTIFY. cluster-signal-guard.ts lets nothing else out: a broadcast without
 * `.local` or a fetchSockets across nodes (which would carry records, handshakes and cookies) is
 * refused and logged, never sent. PostgreSQL does not write NOTIFY payloads to its tables or WAL;
 * they wait in its in-memory queue until every listener has read them.
 */
export async function connectPostgresCluster(url: string, logger: Logger): Promise<Cluster> {
  const where = redactDatabaseUrl(url);
  // Its own pool: the adapter holds one connection for LISTEN for as long as it runs, and the
  // store's pool should not lose one to it. Four is the LISTEN connection, a publish or two and
  // the cleanup. TCP keepalive lets a LISTEN connection behind a dead network fail rather than
  // wait forever, once the system's probes give up (on Linux, about 11 minutes after this delay).
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5_000, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
  let closed = false;
  /** The connection the adapter holds for LISTEN, while it holds it and it is alive. */
  let listener: pg.PoolClient | undefined;
  /** Whether this outage was logged already (one line per outage, not one per attempt). */
  let lost = false;

  const lose = (error?: unknown) => {
    if (lost || closed) return;
    lost = true;
    logger.error('cluster.lost', { database: where, ...(error === undefined ? {} : redacted(error, url)) });
  };
  // An idle connection's error (PostgreSQL restarted) arrives here; without a listener it would end the process.
  pool.on('error', (error) => lose(error));
  // The adapter gives its LISTEN connection back only when it closes.
  pool.on('release', (_error, client) => {
    if (client === listener) listener = undefined;
  });

  /**
   * Watches the connection the adapter takes for LISTEN. The adapter listens for its 'end' but
   * not its 'error', which a checked-out connection emits when PostgreSQL goes away and which,
   * unheard, would end the process; and it never gives a dead connection back to the pool, which
   * would then be full after four outages. So: hear the error, and give the dead one back.
   */
  const watch = (client: pg.PoolClient) => {
    // The adapter asks for a new one only when it gave up on the previous (its LISTEN failed).
    if (listener) listener.release(new Error('the adapter replaced its LISTEN connection'));
    listener = client;
    if (lost) logger.info('cluster.reconnected', { database: where });
    lost = false;
    client.on('error', (error) => {
      if (client === listener) lose(error);
    });
    client.once('end', () => {
      if (client !== listener) return;
      lose();
      client.release(new Error('the LISTEN connection ended'));
    });
  };

  // What the adapter sees as its pool: connections it takes are watched, statements it runs are
  // checked against the signals we allow. Everything else is the pool itself.
  const connectListener = async (): Promise<pg.PoolClient> => {
    // After close() a late reconnection attempt would fail and schedule another, forever.
    if (closed) return never();
    const client = await pool.connect();
    if (closed) {
      client.release(new Error('the cluster closed'));
      return never();
    }
    watch(client);
    return client;
  };
  const guardedQuery = async (text: string, values?: unknown[]) => {
    assertSignalOnly(text, values, ATTACHMENTS_TABLE);
    return pool.query(text, values);
  };
  const adapterPool = new Proxy(pool, {
    get(target, property) {
      if (property === 'connect') return connectListener;
      if (property === 'query') return guardedQuery;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });

  try {
    await ensureAttachmentTable(pool, ATTACHMENTS_TABLE);
  } catch (error) {
    await endPool(pool);
    throw new ClusterUnavailableError(
      `PostgreSQL at ${where} (WAYMARK_DATABASE_URL) cannot carry the cluster's signals: ${redactMessage(messageOf(error), url)}`,
    );
  }

  // A refusal is a caller's bug (app.ts's import progress is one today: it is emitted without
  // `.local`); one line per kind, not one per emit, and the local half of the emit still happens.
  const refusals = new Set<string>();
  const errorHandler = (error: Error) => {
    if (error instanceof ClusterSignalRefusedError) {
      if (!refusals.has(error.message)) logger.error('cluster.signal_refused', describeError(error));
      refusals.add(error.message);
    }
    // While PostgreSQL is away every publish and cleanup fails; 'cluster.lost' said so once.
    else if (!lost && !closed) logger.warn('cluster.adapter_error', redacted(error, url));
  };
  // Made when the first namespace asks for it: the adapter starts its LISTEN connection and its
  // cleanup timer at once, and only closing a namespace's adapter stops them.
  let factory: ReturnType<typeof createAdapter> | undefined;
  const adapters = new Set<PostgresAdapter>();
  // Socket.IO calls this with `new`, so it must be a function, not an arrow.
  function adapter(nsp: Namespace): PostgresAdapter {
    factory ??= createAdapter(adapterPool, { tableName: ATTACHMENTS_TABLE, errorHandler });
    const made = factory(nsp);
    adapters.add(made);
    return made;
  }

  return {
    adapter,
    // True while the adapter holds a live LISTEN connection: from the moment it takes one (its
    // LISTEN follows on it at once) until it ends. False before a Server has asked for the adapter.
    connected: () => !closed && listener !== undefined,
    async close() {
      if (closed) return;
      // Each adapter says goodbye to the other nodes (one NOTIFY, lost if PostgreSQL is away) and
      // the last one stops the LISTEN connection and the timers; a second close by io.close() is harmless.
      for (const made of adapters) made.close();
      closed = true;
      await endPool(pool);
    },
  };
}

/** Ends a pool, giving up after CLOSE_WAIT_MS: a database that is gone may never answer. Never throws. */
async function endPool(pool: pg.Pool): Promise<void> {
  const ended = pool.end().catch(() => undefined);
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref());
  await Promise.race([ended, timeout]);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * An error for a log line, password taken out. A SyntaxError keeps only its name: V8 quotes the
 * start of the text it could not parse, here another node's NOTIFY payload.
 */
function redacted(error: unknown, url: string) {
  if (error instanceof SyntaxError) return { errorName: error.name };
  const fields = describeError(error);
  return typeof fields.errorMessage === 'string' ? { ...fields, errorMessage: redactMessage(fields.errorMessage, url) } : fields;
}
