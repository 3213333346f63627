/**
 * A bench server in its own process (started by bench/support/processes.ts over IPC), so the
 * server does not share an event loop with the hundreds of client sockets that load it: on a real
 * deployment the clients are elsewhere. Three kinds:
 *
 * - `waymark`: the real app (startTestServer: Express, Socket.IO, SQLite file, fixture crisis),
 *   with the per-socket event budget and the sign-in throttle opened wide (the bench measures the
 *   write and fan-out paths, not the abuse limits), plus the bench's own users.
 * - `echo`: a bare Socket.IO server that acks every `command` at once.
 * - `broadcast`: a bare Socket.IO server that acks a `command` and broadcasts the report to every
 *   socket as a change event of the same shape Waymark sends.
 *
 * Set BENCH_PROFILE=<dir> to write a V8 CPU profile of the server (node --cpu-prof) on stop.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { openDatabase } from '../../server/db/database';
import { createRepositories } from '../../server/repositories/repositories';
import { AdminService } from '../../server/services/admin.service';
import { MAX_SOCKET_PAYLOAD_BYTES } from '../../shared/protocol';
import type { Role } from '../../shared/schemas/user.schema';
import { startTestServer, type TestServer } from '../../test/support/server';
import type { ChildReady, ChildRequest, ChildStats, ProvisionedUser, UsersWanted } from './processes';

export const BENCH_PASSWORD = 'bench-password-1';

const zero = (): ChildStats => ({ batches: 0, commands: 0, largestBatch: 0, flushMs: 0, applyMs: 0, commitMs: 0, publishMs: 0, cpuMs: 0 });
/** CPU time of this process (user + system) when the stats were last read. */
let cpuMark = process.cpuUsage();
let stats: ChildStats = zero();
let stop: () => Promise<void> = async () => {};

async function provision(server: TestServer, wanted: UsersWanted): Promise<ProvisionedUser[]> {
  const db = openDatabase(server.databaseFile);
  const repos = createRepositories(db);
  // Cheap scrypt: 1,100 accounts are made and signed in; hashing is not what is measured.
  const admin = new AdminService(repos, { scrypt: { N: 1024, r: 8, p: 1 } });
  const users: ProvisionedUser[] = [];
  const make = async (role: Role, count: number, agency: string | null, servesState: string | null) => {
    for (let i = 0; i < count; i++) {
      const username = `bench-${role}-${(servesState ?? 'x').toLowerCase()}-${i}`;
      await admin.createUser({ username, password: BENCH_PASSWORD, role, displayName: username, agency, crisisId: server.crisisId });
      users.push({ username, password: BENCH_PASSWORD, role, servesState });
    }
  };
  try {
    await make('field', wanted.field ?? 0, null, null);
    await make('coordinator', wanted.coordinator ?? 0, null, null);
    for (const state of wanted.embassyStates ?? []) {
      const acronym = `BENCH-${state}`;
      await admin.createAgency({ name: `Bench embassy of ${state}`, acronym, type: 'consulate', servesState: state });
      await make('embassy', wanted.embassyPerState ?? 0, acronym, state);
    }
  } finally {
    db.close();
  }
  return users;
}

async function bare(kind: 'echo' | 'broadcast'): Promise<string> {
  const http = createServer();
  const io = new Server(http, { maxHttpBufferSize: MAX_SOCKET_PAYLOAD_BYTES, serveClient: false });
  let seq = 0;
  io.on('connection', (socket) => {
    socket.on('command', (command: { group?: unknown }, ack: (r: unknown) => void) => {
      seq += 1;
      ack({ ok: true, seq });
      if (kind === 'broadcast') io.emit('change', { kind: 'group.upsert', seq, group: { view: 'full', group: command.group } });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  stop = () => new Promise<void>((resolve) => io.close(() => resolve()));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

async function start(request: Extract<ChildRequest, { type: 'start' }>): Promise<ChildReady> {
  if (request.kind !== 'waymark') return { type: 'ready', url: await bare(request.kind), users: [], crisisId: null };
  const server = await startTestServer({
    socketRate: { perSecond: 1e9, burst: 1e9 },
    signInLimit: { maxPerAddress: 1e9, maxPerAccount: 1e9 },
    ...(request.maxBatch ? { groupCommit: { maxBatch: request.maxBatch } } : {}),
  });
  const users = await provision(server, request.users ?? {});
  const writes = server.writes;
  if (writes) {
    writes.onFlush = (flush) => {
      stats.batches += 1;
      stats.commands += flush.commands;
      stats.largestBatch = Math.max(stats.largestBatch, flush.commands);
      stats.flushMs += flush.ms;
      stats.applyMs += flush.applyMs;
      stats.commitMs += flush.commitMs;
      stats.publishMs += flush.publishMs;
    };
  }
  stop = () => server.destroy();
  return { type: 'ready', url: server.url, users, crisisId: server.crisisId };
}

process.on('message', (message: ChildRequest) => {
  const reply = (m: unknown) => process.send?.(m);
  switch (message.type) {
    case 'start':
      start(message).then(reply, (error: unknown) => reply({ type: 'error', message: String(error) }));
      break;
    case 'stats': {
      const cpu = process.cpuUsage(cpuMark);
      cpuMark = process.cpuUsage();
      reply({ type: 'stats', stats: { ...stats, cpuMs: (cpu.user + cpu.system) / 1000 } });
      stats = zero();
      break;
    }
    case 'stop':
      // process.exit (not a signal) so that --cpu-prof writes its profile.
      void stop().finally(() => process.exit(0));
      break;
  }
});
process.on('disconnect', () => process.exit(0));
