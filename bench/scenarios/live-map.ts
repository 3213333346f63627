/**
 * Scenario 4, live map under load: the coordinator's page on the big database while changes stream
 * in at BENCH_LIVE_RATE (100) per second for BENCH_LIVE_SECONDS (30). Each change is visible when
 * the map has drawn the batch that holds it (its `data-seq` reaches the change's seq);
 * the page's long-task observer reports the main thread's longest task meanwhile.
 */
import { performance } from 'node:perf_hooks';
import { summarise, type BenchRow, type Scenario } from '../scenario';
import { bigDatabase } from '../support/big-database';
import { fieldSockets, pickGroups, streamChanges } from '../support/changes';
import { coldStart, MAP_SELECTOR, openCoordinatorPage } from '../support/coordinator-page';
import { BIG_GROUPS } from './cold-start';

const RATE = Number(process.env.BENCH_LIVE_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 30);
const NAME = '4 live map';

export const liveMapScenario: Scenario = {
  name: 'live-map',
  async run(): Promise<BenchRow[]> {
    const big = await bigDatabase(BIG_GROUPS);
    const groups = pickGroups(big.dataDir, RATE * SECONDS);
    const page = await openCoordinatorPage(big);
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
      page.guarded.assertClean();
      const load = `${sent.ackedAt.length} changes acked in ${(streamMs / 1000).toFixed(1)} s (${RATE}/s asked, ${sent.failed} refused) on ${big.groups} groups`;
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
      ];
    } finally {
      await page.close();
      big.remove();
    }
  },
};

export default liveMapScenario;
