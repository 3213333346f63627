/**
 * `npm run bench`: Waymark's write and fan-out paths beside the raw limits of the stack, measured
 * in the same run on loopback, reported as ratios. Not a test: nothing here asserts a time.
 *
 * BENCH_SECONDS (default 5) sets each closed-loop phase; BENCH_WRITERS (50), BENCH_VIEWERS (200)
 * and BENCH_RATE (50 reports/s) set the load. Results: a table on stdout, JSON in bench/results/.
 */
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import { connectAs, makeGroupInput, reportCommand, signIn, type ClientSocket } from '../test/support/clients';
import { startTestServer } from '../test/support/server';
import { runScenarios } from './run-scenarios';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WRITERS = Number(process.env.BENCH_WRITERS ?? 50);
const VIEWERS = Number(process.env.BENCH_VIEWERS ?? 200);
const RATE = Number(process.env.BENCH_RATE ?? 50);
// The bench measures the write path, not the per-socket abuse limit, so the bucket is opened wide.
const OPEN_BUCKET = { perSecond: 1e9, burst: 1e9 };

interface Latencies {
  count: number;
  p50: number;
  p99: number;
  max: number;
}
function summarise(samples: number[]): Latencies {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { count: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? NaN };
}

/** Runs `send` in a closed loop on every socket for SECONDS: each socket sends again when its ack returns. */
async function closedLoop(sockets: number, send: (i: number) => Promise<boolean>) {
  const latencies: number[] = [];
  let failed = 0;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: sockets }, async (_, i) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        if (await send(i)) latencies.push(performance.now() - t0);
        else failed++;
      }
    }),
  );
  return { perSecond: latencies.length / SECONDS, failed, ...summarise(latencies) };
}

/** A bare Socket.IO server on port 0: the raw transport, with Waymark's engine limits left at defaults. */
async function bareServer(onConnection: (io: Server) => void) {
  const http = createServer();
  const io = new Server(http, { maxHttpBufferSize: 64 * 1024 });
  onConnection(io);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return { io, url, close: () => new Promise<void>((resolve) => io.close(() => resolve())) };
}
function bareClient(url: string): Promise<Socket> {
  const socket = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

async function ingest() {
  const server = await startTestServer({ socketRate: OPEN_BUCKET });
  const cookie = await signIn(server.url, server.accounts.field.username, server.accounts.field.password);
  const sockets = await Promise.all(Array.from({ length: WRITERS }, () => connectAs(server.url, cookie)));
  const waymark = await closedLoop(WRITERS, async (i) => {
    const ack = await sockets[i]!.emitWithAck('command', reportCommand(makeGroupInput()));
    return ack.ok;
  });
  for (const s of sockets) s.close();
  await server.destroy();

  const bare = await bareServer((io) =>
    io.on('connection', (s) => s.on('command', (_payload: unknown, ack: (r: unknown) => void) => ack({ ok: true }))),
  );
  const echoSockets = await Promise.all(Array.from({ length: WRITERS }, () => bareClient(bare.url)));
  const echo = await closedLoop(WRITERS, async (i) => {
    await echoSockets[i]!.emitWithAck('command', reportCommand(makeGroupInput()));
    return true;
  });
  for (const s of echoSockets) s.close();
  await bare.close();

  // The same rows with the same durability, one transaction each, as a bare insert loop.
  const dir = mkdtempSync(join(tmpdir(), 'waymark-bench-'));
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE groups (id TEXT PRIMARY KEY, data TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO groups (id, data) VALUES (?, ?)');
  let rows = 0;
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    const g = makeGroupInput();
    insert.run(g.id, JSON.stringify(g));
    rows++;
  }
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { waymark, echo, sqlite: { perSecond: rows / SECONDS } };
}

async function fanOut() {
  const server = await startTestServer({ socketRate: OPEN_BUCKET });
  const coordinator = await signIn(server.url, server.accounts.coordinator.username, server.accounts.coordinator.password);
  const field = await signIn(server.url, server.accounts.field.username, server.accounts.field.password);
  const viewers: ClientSocket[] = await Promise.all(Array.from({ length: VIEWERS }, () => connectAs(server.url, coordinator)));
  const writer = await connectAs(server.url, field);
  // Viewers often receive a change before the writer has processed its own ack (all sockets share
  // this process), so latency runs from the moment the report was sent, for Waymark and the
  // baseline alike, and receipts are matched to sends once everything has arrived.
  const sentAt = new Map<number, number>();
  const receipts: { seq: number; at: number }[] = [];
  for (const v of viewers) v.on('change', (change) => receipts.push({ seq: change.seq, at: performance.now() }));
  await paced(async () => {
    const t0 = performance.now();
    const ack = await writer.emitWithAck('command', reportCommand(makeGroupInput()));
    if (ack.ok) sentAt.set(ack.seq, t0);
  });
  await drained(() => receipts.length >= sentAt.size * VIEWERS);
  const waymark = receipts.flatMap((r) => {
    const t0 = sentAt.get(r.seq);
    return t0 === undefined ? [] : [r.at - t0];
  });
  for (const s of [...viewers, writer]) s.close();
  await server.destroy();

  // Baseline: the same payload broadcast by a bare server to the same number of sockets.
  const payload = reportCommand(makeGroupInput());
  const bare = await bareServer((io) =>
    io.on('connection', (s) =>
      s.on('command', (id: string, ack: (r: unknown) => void) => {
        ack({ ok: true });
        io.emit('change', { id, payload });
      }),
    ),
  );
  const bareViewers = await Promise.all(Array.from({ length: VIEWERS }, () => bareClient(bare.url)));
  const bareWriter = await bareClient(bare.url);
  const bareSentAt = new Map<string, number>();
  const raw: number[] = [];
  for (const v of bareViewers) {
    v.on('change', (m: { id: string }) => {
      const t0 = bareSentAt.get(m.id);
      if (t0 !== undefined) raw.push(performance.now() - t0);
    });
  }
  await paced(async () => {
    const id = uuidv7();
    bareSentAt.set(id, performance.now());
    await bareWriter.emitWithAck('command', id);
  });
  await drained(() => raw.length >= bareSentAt.size * VIEWERS);
  for (const s of [...bareViewers, bareWriter]) s.close();
  await bare.close();
  return { waymark: summarise(waymark), broadcast: summarise(raw) };
}

/** Calls `send` RATE times a second for SECONDS, without waiting for one to finish before the next. */
async function paced(send: () => Promise<void>) {
  const pending: Promise<void>[] = [];
  const total = RATE * SECONDS;
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(send());
  }
  await Promise.all(pending);
}

/** Waits until every expected delivery arrived, or 10 s (then reports what arrived). */
async function drained(done: () => boolean) {
  const limit = performance.now() + 10_000;
  while (!done() && performance.now() < limit) await new Promise((resolve) => setImmediate(resolve));
}

const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : 'n/a');
const ms = (n: number) => `${n.toFixed(1)} ms`;

// Named scenarios (bench/scenarios/<name>.ts) run on their own: `npm run bench -- cold-start`.
const picked = process.argv.slice(2);
if (picked.length > 0) {
  await runScenarios(picked);
  process.exit(0);
}

const ingestResult = await ingest();
const fanOutResult = await fanOut();
const i = ingestResult;
const f = fanOutResult;
const table = [
  ['scenario', 'waymark', 'baseline', 'ratio'],
  [`ingest: acked reports/s (${WRITERS} sockets)`, i.waymark.perSecond.toFixed(0), `${i.echo.perSecond.toFixed(0)} (socket.io echo)`, ratio(i.waymark.perSecond, i.echo.perSecond)],
  ['ingest: acked reports/s vs raw insert', i.waymark.perSecond.toFixed(0), `${i.sqlite.perSecond.toFixed(0)} (SQLite WAL+FULL, 1 tx/row)`, ratio(i.waymark.perSecond, i.sqlite.perSecond)],
  ['ingest: ack p50', ms(i.waymark.p50), ms(i.echo.p50), ratio(i.waymark.p50, i.echo.p50)],
  ['ingest: ack p99', ms(i.waymark.p99), ms(i.echo.p99), ratio(i.waymark.p99, i.echo.p99)],
  [`fan-out send→receipt p50 (${VIEWERS} coordinators, ${RATE}/s)`, ms(f.waymark.p50), ms(f.broadcast.p50), ratio(f.waymark.p50, f.broadcast.p50)],
  ['fan-out p99', ms(f.waymark.p99), ms(f.broadcast.p99), ratio(f.waymark.p99, f.broadcast.p99)],
  ['fan-out max', ms(f.waymark.max), ms(f.broadcast.max), ratio(f.waymark.max, f.broadcast.max)],
  ['fan-out deliveries', String(f.waymark.count), String(f.broadcast.count), ratio(f.waymark.count, f.broadcast.count)],
];
const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
for (const row of table) console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));

mkdirSync('bench/results', { recursive: true });
const file = join('bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), seconds: SECONDS, writers: WRITERS, viewers: VIEWERS, rate: RATE, ingest: i, fanOut: f }, null, 2));
console.log(`\nwritten to ${file}`);
process.exit(0);
