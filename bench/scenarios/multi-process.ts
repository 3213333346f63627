/**
 * Fan-out across server processes: the same coordinator sockets and the same paced reports, first
 * all on one server process, then split over two processes that share one database file and one
 * Redis (WAYMARK_REDIS_URL), the writer on the first. The baseline is the single process measured
 * in the same run. Both are real `server/index.ts` child processes, so neither shares this
 * process's event loop with the clients.
 *
 * BENCH_SECONDS (5), BENCH_VIEWERS (200) and BENCH_RATE (50 reports/s) set the load, as for the
 * other scenarios. Needs redis-server (on PATH, or REDIS_SERVER_PATH): without it the scenario is
 * skipped and says so. Runs alone with
 * `npx tsx bench/scenarios/multi-process.ts`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { DEMO_PASSWORD, DEMO_USERS } from '../../server/seed/demo-seed';
import { connectAs, makeGroupInput, reportCommand, signIn, type ClientSocket } from '../../test/support/clients';
import { createChildServer, freePort, type ChildServer } from '../../test/support/child-server';
import { redisSkipReason, startRedis } from '../../test/support/redis-server';
import { summarise, type BenchRow, type Latencies, type Scenario } from '../scenario';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const VIEWERS = Number(process.env['BENCH_VIEWERS'] ?? 200);
const RATE = Number(process.env['BENCH_RATE'] ?? 50);
// The bench measures fan-out, not the per-socket abuse limit.
const OPEN_BUCKET = { WAYMARK_SOCKET_EVENTS_PER_SECOND: '1000000000', WAYMARK_SOCKET_EVENTS_BURST: '1000000000' };

/** Calls `send` RATE times a second for `seconds` without waiting for one to finish before the next. */
async function paced(send: () => Promise<void>, seconds = SECONDS): Promise<void> {
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < RATE * seconds; i++) {
    const wait = start + (i * 1000) / RATE - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(send());
  }
  await Promise.all(pending);
}

/** Viewers and a writer connected to one configuration, sending in as many rounds as asked. */
export interface FanOut {
  /** Sends RATE reports a second for `seconds`, then waits (at most 10 s) until every viewer has each. */
  send(seconds: number): Promise<void>;
  /** Closes the sockets and sums up every round: send→receipt latencies, and receipts that never came. */
  finish(): Latencies & { missing: number };
}

/**
 * Viewers spread round-robin over `servers`, the writer on the first; latency from the moment a
 * report is sent to its receipt on each viewer (receipts can beat the writer's own ack). The
 * cluster scenario opens one per configuration and sends in turn (see its fan-out).
 */
export async function openFanOut(servers: readonly ChildServer[]): Promise<FanOut> {
  const first = servers[0];
  if (!first) throw new Error('no server');
  const cookies = await Promise.all(servers.map((s) => signIn(s.url, DEMO_USERS.coordinator, DEMO_PASSWORD)));
  const viewers: ClientSocket[] = await Promise.all(
    Array.from({ length: VIEWERS }, (_, i) => connectAs(servers[i % servers.length]!.url, cookies[i % servers.length]!)),
  );
  const writer = await connectAs(first.url, await signIn(first.url, DEMO_USERS.field, DEMO_PASSWORD));
  const sentAt = new Map<number, number>();
  const receipts: { seq: number; at: number }[] = [];
  for (const v of viewers) {
    v.on('change', (change) => receipts.push({ seq: change.seq, at: performance.now() }));
    // A group commit's (or a catch-up's) several changes arrive as one `changes` message.
    v.on('changes', (changes) => {
      const at = performance.now();
      for (const change of changes) receipts.push({ seq: change.seq, at });
    });
  }
  // Only receipts of the changes sent here count: a node still publishing an earlier scenario's
  // changes (the cluster bench measures right after its ingest) delivers older ones too, and
  // counting those ended the wait before every sent change had arrived.
  const arrived = () => receipts.reduce((n, r) => (sentAt.has(r.seq) ? n + 1 : n), 0);
  return {
    async send(seconds) {
      await paced(async () => {
        const t0 = performance.now();
        const ack = await writer.emitWithAck('command', reportCommand(makeGroupInput()));
        if (ack.ok) sentAt.set(ack.seq, t0);
      }, seconds);
      const limit = performance.now() + 10_000;
      while (arrived() < sentAt.size * VIEWERS && performance.now() < limit) await new Promise((resolve) => setTimeout(resolve, 5));
    },
    finish() {
      for (const s of [...viewers, writer]) s.close();
      const latencies = receipts.flatMap((r) => {
        const t0 = sentAt.get(r.seq);
        return t0 === undefined ? [] : [r.at - t0];
      });
      return { ...summarise(latencies), missing: sentAt.size * VIEWERS - latencies.length };
    },
  };
}

/** One configuration's fan-out, SECONDS of reports in one go. */
export async function measure(servers: readonly ChildServer[]): Promise<Latencies & { missing: number }> {
  const fan = await openFanOut(servers);
  await fan.send(SECONDS);
  return fan.finish();
}

async function run(): Promise<BenchRow[]> {
  const redis = await startRedis(await freePort());
  const started: ChildServer[] = [];
  try {
    const alone = await createChildServer({ env: OPEN_BUCKET });
    started.push(alone);
    await alone.start();
    const single = await measure([alone]);
    await alone.destroy();

    const env = { ...OPEN_BUCKET, WAYMARK_REDIS_URL: redis.url };
    const one = await createChildServer({ env });
    const two = await createChildServer({ env, dataDir: one.dataDir });
    started.push(one, two);
    await Promise.all([one.start(), two.start()]);
    const pair = await measure([one, two]);

    const load = `${VIEWERS} coordinator sockets (half on each process), ${RATE} reports/s for ${SECONDS} s, writer on process 1; send→receipt`;
    const row = (metric: string, waymark: number, baseline: number): BenchRow => ({
      scenario: 'multiprocess fan-out',
      metric,
      unit: 'ms',
      waymark,
      baseline,
      ratio: baseline > 0 ? waymark / baseline : Number.NaN,
      note: `2 processes + Redis vs 1 process (baseline); ${load}; undelivered: ${pair.missing} vs ${single.missing}`,
    });
    return [row('p50', pair.p50, single.p50), row('p99', pair.p99, single.p99), row('max', pair.max, single.max)];
  } finally {
    await Promise.allSettled(started.map((s) => s.destroy()));
    await redis.stop();
  }
}

export const multiProcess: Scenario = { name: 'multiprocess', skipReason: redisSkipReason, run };

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await run();
  console.table(
    rows.map(({ metric, waymark, baseline, ratio }) => ({ metric, waymark: waymark.toFixed(1), baseline: baseline?.toFixed(1), ratio: ratio?.toFixed(2) })),
  );
  console.log(rows[0]?.note);
}
