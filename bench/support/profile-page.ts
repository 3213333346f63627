/**
 * Profiles the coordinator page's main thread over a cold load of the big database (and, with
 * BENCH_PROFILE_LIVE=1, over 10 s of live changes at 100/s, BENCH_PROFILE_LIVE_CHANGES for more): the
 * functions with the most self time, and the stretches where the main thread stayed busy.
 * `npx tsx bench/support/profile-page.ts`. A tool for finding where time goes, not a scenario.
 */
import { writeFileSync } from 'node:fs';
import { bigDatabase } from './big-database';
import { fieldSockets, pickGroups, streamChanges } from './changes';
import { coldStart, openCoordinatorPage } from './coordinator-page';
import { topSelfTime as top, type Profile } from './cpu-profile';

/**
 * The stretches of the profile where the main thread never went idle for longer than `gapMs` and
 * that lasted over `minMs` (roughly the long tasks), each with the functions of most self time in it.
 */
function busyStretches(profile: Profile, minMs = 50, gapMs = 2): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const out: string[] = [];
  let stretch: { start: number; end: number; self: Map<string, number> } | null = null;
  let idleRun = 0;
  let t = 0;
  const flush = () => {
    if (stretch && stretch.end - stretch.start > minMs) {
      const top = [...stretch.self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6);
      out.push(
        `${(stretch.end - stretch.start).toFixed(0).padStart(5)} ms at ${(stretch.start / 1000).toFixed(1)} s: ${top.map(([k, ms]) => `${k} ${ms.toFixed(0)}`).join(', ')}`,
      );
    }
    stretch = null;
  };
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    t += dt;
    const name = byId.get(id)!.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idleRun += dt;
      if (idleRun > gapMs) flush();
      return;
    }
    idleRun = 0;
    stretch ??= { start: t, end: t, self: new Map() };
    stretch.end = t;
    stretch.self.set(name, (stretch.self.get(name) ?? 0) + dt);
  });
  flush();
  return out;
}

const big = await bigDatabase(Number(process.env.BENCH_GROUPS ?? 100_000));
const page = await openCoordinatorPage(big);
try {
  await page.cdp.send('Profiler.enable');
  await page.cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
  await page.cdp.send('Profiler.start');
  const start = await coldStart(page, big.groups);
  const cold = (await page.cdp.send('Profiler.stop')) as { profile: Profile };
  writeFileSync('bench/results/cold-start.cpuprofile', JSON.stringify(cold.profile));
  console.log(
    `cold start ${Math.round(start.ms)} ms (its own index ${Math.round(start.indexMs)} ms; first load ${Math.round(start.firstMs)} ms), long tasks ${start.longTasks.map(Math.round).join(', ')}`,
  );
  console.log(top(cold.profile).join('\n'));
  console.log('\nbusy stretches over 50 ms (main thread never idle):');
  console.log(busyStretches(cold.profile).join('\n'));
  if (process.env.BENCH_PROFILE_LIVE) {
    const field = await fieldSockets(page.server.url, page.server.accounts.field, 10);
    // BENCH_PROFILE_TAB=counters|duplicates|threeW: that tab of the coordinator's column is open meanwhile.
    if (process.env.BENCH_PROFILE_TAB) await page.page.click(`#coord-tab-${process.env.BENCH_PROFILE_TAB}`);
    // BENCH_PROFILE_SELECT=1: the queue's first group is selected (its details open) meanwhile.
    if (process.env.BENCH_PROFILE_SELECT) await page.page.locator('[data-testid="triage-row"]').first().click();
    await page.takeLongTasks();
    await page.cdp.send('Profiler.start');
    const sent = await streamChanges(field, pickGroups(big.dataDir, Number(process.env.BENCH_PROFILE_LIVE_CHANGES ?? 1000)), 100);
    const live = (await page.cdp.send('Profiler.stop')) as { profile: Profile };
    field.close();
    writeFileSync('bench/results/live.cpuprofile', JSON.stringify(live.profile));
    console.log(`\nlive: ${sent.ackedAt.length} changes; long tasks ${(await page.takeLongTasks()).map(Math.round).join(', ')}`);
    console.log(top(live.profile).join('\n'));
    console.log('\nbusy stretches over 50 ms (main thread never idle):');
    console.log(busyStretches(live.profile).join('\n'));
  }
} finally {
  await page.close();
  big.remove();
}
