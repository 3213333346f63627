/**
 * Scenario 2, fan-out: 1,000 coordinator sockets and 100 embassy sockets (10 states, 10 each),
 * every one its own user and session, connected to a Waymark server in its own process; a field
 * socket reports at 100/s. Each report names all ten states with consent, so every socket
 * receives every report (coordinators in one room, each state's embassies in their own, each
 * room projected once). Baseline in the same run: a bare Socket.IO server that acks a command and
 * broadcasts the same report, as the same change event, to the same number of sockets.
 *
 * Latency runs from the moment the report was sent to its receipt on each socket, for Waymark and
 * the baseline alike: the clients share this process, so a viewer's receipt is often handled
 * before the writer's ack, and "ack to receipt" would be negative as often as not.
 *
 * The same sockets are then measured at a light rate (BENCH_FANOUT_LIGHT_RATE, 10/s): at 100/s on
 * this shared 2-core machine 110,000 deliveries/s saturate the bench's own clients as much as
 * either server, and both sides' latencies become queueing delay.
 *
 * BENCH_FANOUT_COORDINATORS (1000), BENCH_FANOUT_EMBASSIES_PER_STATE (10), BENCH_FANOUT_RATE (100),
 * BENCH_FANOUT_LIGHT_RATE (10), BENCH_FANOUT_SECONDS (10).
 */
import { summarise, type BenchRow, type Latencies, type Scenario } from '../scenario';
import { signIn } from '../../test/support/clients';
import { closeAll, connectBare, connectUsers, drained, envNumber, inWaves, openLoop } from '../support/load';
import { openLightViewer, type LightClient, type LightViewer } from '../support/light-viewer';
import type { ChildStats, ProvisionedUser } from '../support/processes';
import { flushRows } from '../support/flush-rows';
import { reportFactory } from '../support/payloads';
import { startBenchServer } from '../support/processes';

const COORDINATORS = envNumber('BENCH_FANOUT_COORDINATORS', 1000);
const PER_STATE = envNumber('BENCH_FANOUT_EMBASSIES_PER_STATE', 10);
const RATE = envNumber('BENCH_FANOUT_RATE', 100);
const SECONDS = envNumber('BENCH_FANOUT_SECONDS', 10);
const LIGHT_RATE = envNumber('BENCH_FANOUT_LIGHT_RATE', 10);
const STATES = ['NGA', 'NER', 'SDN', 'TCD', 'MLI', 'GHA', 'ERI', 'ETH', 'SOM', 'EGY'];
const VIEWERS = COORDINATORS + PER_STATE * STATES.length;

/** A report every room may see: all ten states, one person each, consent given, no protection flag. */
const reportsForEveryRoom = () =>
  reportFactory({
    headcount: { total: 12 },
    nationalities: STATES.map((code) => ({ code, count: 1 })),
    consentConsulate: 'yes',
    protectionConcern: false,
  });

interface Run {
  latencies: Latencies;
  expected: number;
}

type Receipts = { seq: number; at: number }[];

/** Opens `count` listen-only viewers, each with its own session when users are given. */
function openViewers(url: string, users: readonly (ProvisionedUser | null)[], receipts: Receipts): Promise<LightViewer[]> {
  return inWaves(users, 20, async (user) =>
    openLightViewer(url, user ? await signIn(url, user.username, user.password) : null, (seq, at) => receipts.push({ seq, at })),
  );
}

/** Sends reports at `rate` from `writer`; returns send→receipt latencies over every viewer. */
async function measure(writer: LightClient, viewers: number, receipts: Receipts, rate: number): Promise<Run> {
  receipts.length = 0;
  const sentAt = new Map<number, number>();
  await openLoop([writer], rate, SECONDS, reportsForEveryRoom(), (ack, t0) => {
    if (ack.ok && ack.seq !== undefined) sentAt.set(ack.seq, t0);
  });
  const expected = sentAt.size * viewers;
  await drained(() => receipts.length >= expected, 60_000);
  const latencies = receipts.flatMap((r) => {
    const t0 = sentAt.get(r.seq);
    return t0 === undefined ? [] : [r.at - t0];
  });
  return { latencies: summarise(latencies), expected };
}

/** The rate, then a light one (on the same connections) at which neither side should queue. */
async function both(writer: LightClient, viewers: number, receipts: Receipts): Promise<[Run, Run]> {
  const full = await measure(writer, viewers, receipts, RATE);
  const light = await measure(writer, viewers, receipts, LIGHT_RATE);
  return [full, light];
}

async function waymark(): Promise<[Run, Run, ChildStats, ChildStats]> {
  const server = await startBenchServer('waymark', {
    users: { field: 1, coordinator: COORDINATORS, embassyStates: STATES, embassyPerState: PER_STATE },
  });
  try {
    const writerUser = server.users.filter((u) => u.role === 'field');
    const viewerUsers = server.users.filter((u) => u.role !== 'field');
    const receipts: Receipts = [];
    const viewers = await openViewers(server.url, viewerUsers, receipts);
    const [writer] = await connectUsers(server.url, writerUser);
    await server.stats();
    const full = await measure(writer!, viewers.length, receipts, RATE);
    const fullStats = await server.stats();
    const light = await measure(writer!, viewers.length, receipts, LIGHT_RATE);
    const lightStats = await server.stats();
    for (const v of viewers) v.close();
    closeAll([writer!]);
    return [full, light, fullStats, lightStats];
  } finally {
    await server.stop();
  }
}

async function broadcast(): Promise<[Run, Run]> {
  const server = await startBenchServer('broadcast');
  try {
    const receipts: Receipts = [];
    const viewers = await openViewers(
      server.url,
      Array.from({ length: VIEWERS }, () => null),
      receipts,
    );
    const [writer] = await connectBare(server.url, 1);
    const runs = await both(writer!, viewers.length, receipts);
    for (const v of viewers) v.close();
    closeAll([writer!]);
    return runs;
  } finally {
    await server.stop();
  }
}

function rows(w: Run, b: Run, rate: number, withGoal: boolean): BenchRow[] {
  const s = '2 fan-out';
  const note = `${COORDINATORS} coordinators + ${PER_STATE * STATES.length} embassy sockets (${STATES.length} states), ${rate} reports/s, ${SECONDS} s; send→receipt`;
  const row = (metric: string, waymarkValue: number, baseline: number, extra: Partial<BenchRow> = {}): BenchRow => ({
    scenario: s,
    metric: `${metric} at ${rate}/s`,
    unit: 'ms',
    waymark: waymarkValue,
    baseline,
    ratio: baseline > 0 ? waymarkValue / baseline : NaN,
    note,
    ...extra,
  });
  const p99Ratio = w.latencies.p99 / b.latencies.p99;
  return [
    row('receipt p50', w.latencies.p50, b.latencies.p50),
    row('receipt p99', w.latencies.p99, b.latencies.p99, withGoal ? { goal: '≤ 1.5× baseline', met: p99Ratio <= 1.5 } : {}),
    row('receipt max', w.latencies.max, b.latencies.max),
    {
      scenario: s,
      metric: `deliveries at ${rate}/s`,
      unit: '',
      waymark: w.latencies.count,
      baseline: b.latencies.count,
      ratio: w.latencies.count / Math.max(1, b.latencies.count),
      note: `expected ${w.expected} and ${b.expected}`,
    },
  ];
}

export const scenario: Scenario = {
  name: 'fanout',
  async run(): Promise<BenchRow[]> {
    const [w, wLight, wStats, wLightStats] = await waymark();
    const [b, bLight] = await broadcast();
    return [
      ...rows(w, b, RATE, true),
      ...flushRows('2 fan-out', `${RATE}/s`, wStats),
      ...rows(wLight, bLight, LIGHT_RATE, false),
      ...flushRows('2 fan-out', `${LIGHT_RATE}/s`, wLightStats),
    ];
  },
};
