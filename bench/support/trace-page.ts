/**
 * Traces cold loads of the coordinator page on the big database with Chrome's own tracing, which
 * (unlike `profile-page.ts`) sees every thread of the page: its main thread and the map's worker,
 * where MapLibre takes in and clusters the points. For each navigation: the app's load steps, how
 * long each of the page's busy threads ran, and each one's functions of most self time. The traces
 * are written to bench/results/cold-start-trace-N.json (open them in DevTools' performance panel).
 * Then, for those threads, each task of over BENCH_TRACE_TASK_MS (100) ms in order: when it began
 * after navigation, how long it ran, and its functions of most self time. That order is what shows
 * the critical path: the step a task delays, and what the other thread was doing meanwhile.
 * Functions of the client are named by their sources (./source-maps.ts builds the client again
 * with source maps first, about a minute).
 * `npx tsx bench/support/trace-page.ts` (BENCH_TRACE_RUNS navigations, 2 by default; BENCH_GROUPS).
 * Tracing slows the page down (about 1.5x here): compare threads and steps within a trace, not its
 * times with the bench's. A tool for finding where time goes, not a scenario.
 */
import { writeFileSync } from 'node:fs';
import { bigDatabase } from './big-database';
import { CLIENT_BUILD, coldNavigation, firstLoad, fmtSteps, openCoordinatorPage } from './coordinator-page';
import { topSelfTime, type Profile, type ProfileNode } from './cpu-profile';
import { clientSourceMaps, type FrameNamer } from './source-maps';
import { LOAD_MARK_PREFIX, type LoadStep } from '../../client/lib/timing';

/** What the summary reads of a trace event (the Trace Event Format). */
interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  id?: string;
  args?: { name?: string; data?: { startTime?: number; cpuProfile?: { nodes?: ProfileNode[]; samples?: number[] }; timeDeltas?: number[] } };
}

/** V8's sampled profile categories, and the scheduler's tasks (the `RunTask` events) on every thread. */
const CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8.execute',
  'disabled-by-default-v8.cpu_profiler',
  'blink.user_timing',
];

/** Threads that ran less than this in a load are left out of the summary (the browser's own helpers). */
const MIN_BUSY_MS = 150;
/** The shortest task listed in a thread's timeline. */
const TASK_MS = Number(process.env.BENCH_TRACE_TASK_MS ?? 100);

/**
 * Each thread of the trace that ran a while: its name, its tasks' time and its profile's top
 * functions; then, for each thread with a profile, its long tasks in order (times from the
 * navigation, as the load `steps` are), each with the functions of most self time within it.
 */
function summarizeTrace(events: readonly TraceEvent[], steps: Partial<Record<LoadStep, number>>, name: FrameNamer): string[] {
  const threadName = new Map<string, string>();
  const key = (e: { pid: number; tid: number }) => `${e.pid}:${e.tid}`;
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name) threadName.set(key(e), e.args.name);
  // Tasks nest (`ThreadControllerImpl::RunTask` inside `RunTask`): only the outer ones are counted.
  const tasks = new Map<string, { ts: number; dur: number }[]>();
  const openUntil = new Map<string, number>();
  for (const e of [...events].filter((e) => e.ph === 'X' && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask')).sort((a, b) => a.ts - b.ts)) {
    const k = key(e);
    const end = e.ts + (e.dur ?? 0);
    if (e.ts < (openUntil.get(k) ?? -Infinity)) continue;
    openUntil.set(k, end);
    const list = tasks.get(k) ?? [];
    list.push({ ts: e.ts, dur: e.dur ?? 0 });
    tasks.set(k, list);
  }
  // A thread's profile comes in chunks after its `Profile` event, tied by id.
  const profiles = new Map<string, { thread: string; profile: Profile }>();
  for (const e of events) {
    if (e.ph !== 'P' || e.id === undefined) continue;
    if (e.name === 'Profile') profiles.set(e.id, { thread: key(e), profile: { nodes: [], samples: [], timeDeltas: [], startTime: e.args?.data?.startTime } });
    if (e.name !== 'ProfileChunk') continue;
    const entry = profiles.get(e.id);
    const data = e.args?.data;
    if (!entry || !data) continue;
    entry.profile.nodes.push(...(data.cpuProfile?.nodes ?? []));
    entry.profile.samples.push(...(data.cpuProfile?.samples ?? []));
    entry.profile.timeDeltas.push(...(data.timeDeltas ?? []));
  }
  // The page's own clock starts at its navigation: a step's mark, on the trace's clock, less its time on the page's.
  const [step, pageMs] = Object.entries(steps)[0] ?? ['', 0];
  const mark = events.find((e) => e.name === LOAD_MARK_PREFIX + step);
  const navigationStart = mark ? mark.ts - pageMs * 1000 : 0;
  const busy = [...tasks.entries()]
    .map(([thread, list]) => ({ thread, list, ms: list.reduce((sum, t) => sum + t.dur, 0) / 1000 }))
    .filter((t) => t.ms >= MIN_BUSY_MS)
    .sort((a, b) => b.ms - a.ms);
  const lines: string[] = [];
  for (const { thread, ms } of busy) {
    lines.push(`${threadName.get(thread) ?? thread}: tasks ran ${Math.round(ms)} ms`);
    for (const { profile } of [...profiles.values()].filter((p) => p.thread === thread)) lines.push(...topSelfTime(profile, 12, name));
  }
  for (const { thread, list } of busy) {
    const own = [...profiles.values()].filter((p) => p.thread === thread);
    if (own.length === 0) continue;
    lines.push(`${threadName.get(thread) ?? thread}: tasks of ${TASK_MS} ms or more (began, ran; functions of most self time)`);
    for (const task of list.filter((t) => t.dur >= TASK_MS * 1000)) {
      const window = { from: task.ts, to: task.ts + task.dur };
      const top = own.flatMap(({ profile }) => topSelfTime(profile, 3, name, window)).map((line) => line.trim().replace(/ +ms {2}/, ' ms '));
      lines.push(`  ${((task.ts - navigationStart) / 1000).toFixed(0).padStart(6)} ms ${(task.dur / 1000).toFixed(0).padStart(5)} ms  ${top.join(' | ')}`);
    }
  }
  return lines;
}

const maps = await clientSourceMaps();
console.log(`source maps for ${maps.mapped.length} scripts of ${CLIENT_BUILD}`);
const big = await bigDatabase(Number(process.env.BENCH_GROUPS ?? 100_000));
const page = await openCoordinatorPage(big);
try {
  await firstLoad(page, big.groups);
  const runs = Number(process.env.BENCH_TRACE_RUNS ?? 2);
  for (let run = 1; run <= runs; run++) {
    // Started on the blank tab the navigation leaves from, so the trace holds the whole load.
    await page.page.goto('about:blank');
    await page.browser.startTracing(page.page, { categories: CATEGORIES });
    const load = await coldNavigation(page, big.groups);
    const trace = await page.browser.stopTracing();
    const file = `bench/results/cold-start-trace-${run}.json`;
    writeFileSync(file, trace);
    const parsed = JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
    const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
    console.log(
      `\nnavigation ${run}: every group shown after ${Math.round(load.ms)} ms, the map's own index drawn after ${Math.round(load.indexMs)} ms (traced); ${fmtSteps(load.steps)}; ${file}`,
    );
    console.log(summarizeTrace(events, load.steps, maps.name).join('\n'));
  }
} finally {
  await page.close();
  big.remove();
}
