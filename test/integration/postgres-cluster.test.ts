import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { Server } from 'socket.io';
import { io as connectClient, type Socket } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger, type Logger } from '../../server/log';
import type { Cluster } from '../../server/socket/cluster';
import { ClusterUnavailableError, connectPostgresCluster } from '../../server/socket/postgres-cluster';
import { startPostgres, type PgHarness } from '../support/postgres';

/** One Waymark-like node: a Socket.IO server on port 0 with the PostgreSQL cluster as its adapter. */
interface Node {
  cluster: Cluster;
  io: Server;
  url: string;
  close(): Promise<void>;
}

async function startNode(databaseUrl: string, logger: Logger = silentLogger): Promise<Node> {
  const cluster = await connectPostgresCluster(databaseUrl, logger);
  const httpServer = http.createServer();
  const io = new Server(httpServer, { adapter: cluster.adapter });
  // The room a node puts a client in is the one its handshake asks for (the real server computes it).
  io.on('connection', (socket) => {
    const room = socket.handshake.auth.room;
    if (typeof room === 'string') void socket.join(room);
    socket.emit('joined');
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    cluster,
    io,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await io.close();
      await cluster.close();
    },
  };
}

/** A client connected to `node` and in `room`, once the node has put it there. */
async function clientIn(node: Node, room: string): Promise<Socket> {
  const client = connectClient(node.url, { transports: ['websocket'], reconnection: false, auth: { room } });
  await new Promise<void>((resolve, reject) => {
    client.once('joined', () => resolve());
    client.once('connect_error', reject);
  });
  return client;
}

/** Resolves when every node has heard every other's heartbeat, which proves each one's LISTEN is working. */
async function allListening(nodes: readonly Node[]): Promise<void> {
  await vi.waitFor(
    async () => {
      for (const node of nodes) expect(await node.io.of('/').adapter.serverCount()).toBe(nodes.length);
    },
    { timeout: 20_000, interval: 100 },
  );
}

/** The next `committed` signal a node receives. */
const nextCommitted = (node: Node) => new Promise<unknown>((resolve) => node.io.once('committed', resolve));

/**
 * Sends one signal from `from` once every node listens again, and answers what `to` hears. After a
 * restart a NOTIFY sent before the other node's new LISTEN is in place is lost by design (the table
 * is the truth; the periodic check covers it), so it waits for that state: PostgreSQL shows each
 * listening session idle after its `LISTEN` (the adapter's only statement on that connection).
 */
async function signalOnceListening(databaseUrl: string, listeners: number, from: Node, to: Node, seq: number): Promise<unknown> {
  await vi.waitFor(
    async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle' AND query LIKE 'LISTEN %'",
        );
        expect(rows[0]?.n).toBeGreaterThanOrEqual(listeners);
      } finally {
        await client.end();
      }
    },
    { timeout: 20_000, interval: 50 },
  );
  const heard = nextCommitted(to);
  from.io.serverSideEmit('committed', seq);
  return heard;
}

/** A logger that remembers its events, so a test can wait for one. */
function recordingLogger(): Logger & { events: string[]; next(event: string): Promise<void> } {
  const events: string[] = [];
  const waiters: { event: string; resolve: () => void }[] = [];
  const log = (event: string) => {
    events.push(event);
    for (const waiter of waiters.filter((w) => w.event === event)) waiter.resolve();
  };
  return {
    events,
    next: (event) => new Promise<void>((resolve) => waiters.push({ event, resolve })),
    debug: log,
    info: log,
    warn: log,
    error: log,
  };
}

describe(connectPostgresCluster.name, () => {
  let pg: PgHarness;
  let databaseUrl: string;
  const nodes: Node[] = [];

  beforeAll(async () => {
    pg = await startPostgres();
    databaseUrl = await pg.createDatabase();
    for (let i = 0; i < 3; i++) nodes.push(await startNode(databaseUrl));
    await allListening(nodes);
  }, 120_000);

  afterAll(async () => {
    for (const node of nodes) await node.close();
    await pg?.stop();
  }, 60_000);

  it('carries serverSideEmit to every other node, and not back to the sender', async () => {
    const [a, b, c] = nodes as [Node, Node, Node];
    let echoed = false;
    a.io.once('committed', () => (echoed = true));
    const atB = nextCommitted(b);
    const atC = nextCommitted(c);
    a.io.serverSideEmit('committed', 41);
    expect(await atB).toBe(41);
    expect(await atC).toBe(41);
    // B and C read the same NOTIFY that A's own LISTEN delivered back to A; the adapter drops it there.
    expect(echoed).toBe(false);
    a.io.removeAllListeners('committed');
  });

  it("closes a user's sockets on another node, and only theirs", async () => {
    const [a, b] = nodes as [Node, Node];
    const user = `user:${uuidv7()}`;
    const target = await clientIn(b, user);
    const bystander = await clientIn(b, `user:${uuidv7()}`);
    const reason = new Promise<string>((resolve) => target.once('disconnect', resolve));
    a.io.in(user).disconnectSockets(true);
    expect(await reason).toBe('io server disconnect');
    // B handled the whole request in one message: had it reached the bystander, it would be closed by now.
    expect(bystander.connected).toBe(true);
    bystander.close();
  });

  it('refuses to send what is not a signal: a broadcast to another node would carry the records themselves', async () => {
    const logger = recordingLogger();
    const d = await startNode(databaseUrl, logger);
    try {
      const refused = logger.next('cluster.signal_refused');
      d.io.to(`user:${uuidv7()}`).emit('change', { note: 'a personal note' });
      await refused;
    } finally {
      await d.close();
    }
  });

  it('signals again after PostgreSQL crashes and restarts, more times than its pool has connections', async () => {
    const [a, b] = nodes as [Node, Node];
    // Four restarts would fill the pool with dead LISTEN connections if they were not given back.
    for (let restart = 1; restart <= 5; restart++) {
      await pg.stopImmediate();
      await vi.waitFor(() => expect(b.cluster.connected()).toBe(false), { timeout: 10_000, interval: 50 });
      await pg.start();
      await vi.waitFor(() => expect(a.cluster.connected() && b.cluster.connected()).toBe(true), { timeout: 20_000, interval: 50 });
      expect(await signalOnceListening(databaseUrl, nodes.length, a, b, 100 + restart)).toBe(100 + restart);
    }
  }, 120_000);

  it('closes while PostgreSQL is down', async () => {
    const d = await startNode(databaseUrl);
    await allListening([d]);
    await pg.stopImmediate();
    try {
      // Bounded by the test's timeout: a close that waited for PostgreSQL would fail here.
      await d.close();
      expect(d.cluster.connected()).toBe(false);
    } finally {
      await pg.start();
    }
  });

  it('closes while PostgreSQL does not answer at all (a network that drops everything)', async () => {
    const proxy = await blackHoleProxy(new URL(databaseUrl));
    const d = await startNode(proxy.url);
    try {
      await vi.waitFor(() => expect(d.cluster.connected()).toBe(true), { timeout: 10_000, interval: 50 });
      // Make the pool hold an idle connection besides the LISTEN one: ending it sends a goodbye
      // and waits for the server to close it, which a silent network never does.
      d.io.serverSideEmit('committed', 1);
      await vi.waitFor(() => expect(proxy.connections()).toBeGreaterThan(1), { timeout: 10_000, interval: 50 });
      proxy.silence();
      await d.close();
    } finally {
      proxy.close();
    }
  });

  it('starts several nodes at once on a fresh database', async () => {
    const fresh = await pg.createDatabase();
    // Each creates the attachments table if missing; unserialised, one of them can fail on the catalog's unique index.
    const clusters = await Promise.all(Array.from({ length: 4 }, () => connectPostgresCluster(fresh, silentLogger)));
    for (const cluster of clusters) await cluster.close();
  });

  it('refuses to start with a named error and no password when PostgreSQL cannot be reached', async () => {
    const unreachable = new URL(databaseUrl);
    unreachable.port = String(await closedPort());
    const error: unknown = await connectPostgresCluster(unreachable.toString(), silentLogger).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterUnavailableError);
    expect((error as Error).message).toContain('127.0.0.1');
    expect((error as Error).message).not.toContain('test-password');
  });
});

/** A port that was free a moment ago and that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP proxy to PostgreSQL that can go silent: connections stay open and nothing more passes either way. */
async function blackHoleProxy(target: URL) {
  const pairs: [net.Socket, net.Socket][] = [];
  let silent = false;
  const server = net.createServer({ allowHalfOpen: true }, (inbound) => {
    const outbound = net.connect(Number(target.port), target.hostname);
    pairs.push([inbound, outbound]);
    inbound.on('error', () => undefined);
    outbound.on('error', () => undefined);
    inbound.on('data', (chunk) => silent || outbound.write(chunk));
    outbound.on('data', (chunk) => silent || inbound.write(chunk));
    // Half-closes are not passed on either: a silent network does not carry a FIN.
    inbound.on('end', () => silent || outbound.end());
    outbound.on('end', () => silent || inbound.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    connections: () => pairs.length,
    silence: () => (silent = true),
    close() {
      server.close();
      for (const [inbound, outbound] of pairs) {
        inbound.destroy();
        outbound.destroy();
      }
    },
  };
}
