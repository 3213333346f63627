/**
 * Scenario 4, live map under load: the coordinator's page on the big database while changes stream
 * in at BENCH_LIVE_RATE (100) per second for BENCH_LIVE_SECONDS (30). Each change is visible when
 * the map has drawn the batch that holds it (its `data-seq` reaches the change's seq);
 * the page's long-task observer reports the main thread's longest task meanwhile.
 */
import { performance } from 'node:perf_hooks';
import { summarise, type BenchRow, type Scenario } from '../scenario';
import { bigDatabase } from '../support/big-database';
import { fieldSockets, moved, pickGroups, streamChanges } from '../support/changes';
import type { BigDatabase } from '../support/big-database';
import type { Group } from '../../shared/schemas/group.schema';
import { coldStart, MAP_SELECTOR, openCoordinatorPage } from '../support/coordinator-page';
import { BIG_GROUPS } from './cold-start';

const RATE = Number(process.env.BENCH_LIVE_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 30);
const NAME = '4 live map';

/** One run: the stream over `groups` watched on a coordinator page, with or without town names and admin boundaries. */
async function measure(big: BigDatabase, groups: readonly Group[], extras: boolean) {
  const page = await openCoordinatorPage(big, { placeLabels: extras, boundaries: extras });
  try {
    await coldStart(page, big.groups);
    // Every drawn batch's change-log position (data-seq), with the page's clock (the same
    // machine's wall clock as the bench's).
    await page.page.evaluate((selector) => {
      const w = window as unknown as { __shown: [number, number][] };
      w.__shown = [];
      const map = document.querySelector(selector);
      if (!map) throw new Error('no map');
      new MutationObserver(() => w.__shown.push([Date.now(), Number(map.getAttribute('data-seq'))])).observe(map, {
        attributes: true,
        attributeFilter: ['data-seq'],
      });
    }, MAP_SELECTOR);
    await page.takeLongTasks();
    const field = await fieldSockets(page.server.url, page.server.accounts.field, 10);
    const t0 = performance.now();
    const sent = await streamChanges(field, groups, RATE);
    const streamMs = performance.now() - t0;
    // Let the last batch draw.
    const last = Math.max(0, ...sent.seqs);
    await page.page
      .waitForFunction(
        ([selector, target]) => Number(document.querySelector(selector as string)?.getAttribute('data-seq')) >= (target as number),
        [MAP_SELECTOR, last] as const,
        {
          timeout: 30_000,
        },
      )
      .catch(() => {});
    field.close();
    const shown = await page.page.evaluate(() => (window as unknown as { __shown: [number, number][] }).__shown);
    const longTasks = await page.takeLongTasks();
    // A change is on screen once a drawn batch's position reaches its seq (plus the frame that paints it).
    const delays: number[] = [];
    let missing = 0;
    sent.seqs.forEach((seq, i) => {
      const at = sent.ackedAt[i]!;
      const when = shown.find(([, drawn]) => drawn >= seq)?.[0];
      if (when === undefined) missing++;
      else delays.push(Math.max(0, when - at));
    });
    const d = summarise(delays);
    const longest = Math.max(0, ...longTasks);
    const load = `${sent.ackedAt.length} changes acked in ${(streamMs / 1000).toFixed(1)} s (${RATE}/s asked, ${sent.failed} refused) on ${big.groups} groups`;
    page.guarded.assertClean();
    return { d, missing, longest, longTasks, load };
  } finally {
    await page.close();
  }
}

export const liveMapScenario: Scenario = {
  name: 'live-map',
  async run(): Promise<BenchRow[]> {
    const big = await bigDatabase(BIG_GROUPS);
    const groups = pickGroups(big.dataDir, RATE * SECONDS);
    try {
      const { d, missing, longest, longTasks, load } = await measure(big, groups, true);
      // The same stream again (each group moved once more) without town names and boundaries, for the ratio.
      const after = new Date().toISOString();
      const off = await measure(
        big,
        groups.map((g) => moved(g, after)),
        false,
      );
      const ratio = d.p50 / Math.max(1, off.d.p50);
      return [
        { scenario: NAME, metric: 'ack → drawn on the map, p50', unit: 'ms', waymark: Math.round(d.p50), note: load },
        {
          scenario: NAME,
          metric: 'ack → drawn on the map, max',
          unit: 'ms',
          waymark: Math.round(d.max),
          goal: 'every change < 1,000 ms',
          met: missing === 0 && d.max < 1_000,
          note: `p99 ${Math.round(d.p99)} ms; ${missing} changes never drawn within 30 s after the stream`,
        },
        {
          scenario: NAME,
          metric: 'longest main-thread task',
          unit: 'ms',
          waymark: Math.round(longest),
          goal: '< 200 ms',
          met: longest < 200,
          note: `${longTasks.length} long tasks (> 50 ms) during the stream`,
        },
        {
          scenario: NAME,
          metric: 'ack → drawn on the map, p50, town labels and boundaries on vs off',
          unit: 'ms',
          waymark: Math.round(d.p50),
          baseline: Math.round(off.d.p50),
          ratio: Math.round(ratio * 100) / 100,
          goal: '≤ 1.2x without labels and boundaries',
          met: ratio <= 1.2,
          note: `the same stream on the same page with the device's "town names off" preference and no boundaries served, right after; without them: max ${Math.round(off.d.max)} ms, longest task ${Math.round(off.longest)} ms`,
        },
      ];
    } finally {
      big.remove();
    }
  },
};

export default liveMapScenario;
