import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { bigDatabase } from '../../bench/support/big-database';
import { FIRST_VIEW_MIN_POINTS } from '../../client/lib/map/cluster-settings';
import { LOAD_MARK_PREFIX } from '../../client/lib/timing';
import en from '../../client/lib/i18n/en';
import { holdDecode, holdMapWorker, releaseDecode } from './held-load';
import { LAPTOP, browserSuite, submitSignIn } from './suite';

// A big crisis's map draws its first view (client/lib/map/first-view.ts): the points clustered on
// the page and drawn before MapLibre's worker has them, then replaced by the worker's own index.
// The view must count every group as drawn, come before the index, and go once the index is drawn,
// whether the map had the snapshot's first points or the groups already applied.

const GROUPS = FIRST_VIEW_MIN_POINTS + 1_000;
const big = await bigDatabase(GROUPS);
const MAP = '.group-map';

/** Records whether the notice that the detail is still coming was ever on the page. */
async function watchNotice(page: Page): Promise<void> {
  await page.addInitScript((text) => {
    const w = window as unknown as { __noticeSeen: boolean };
    w.__noticeSeen = false;
    new MutationObserver(() => {
      if (!w.__noticeSeen && document.body?.textContent?.includes(text)) w.__noticeSeen = true;
    }).observe(document, { subtree: true, childList: true, characterData: true });
  }, en['map.firstView']);
}

/** When each of these load steps was first marked (ms from navigation), null if never. */
function marks(page: Page, steps: readonly string[]): Promise<(number | null)[]> {
  return page.evaluate(([prefix, names]) => names.map((step) => performance.getEntriesByName(prefix + step, 'mark')[0]?.startTime ?? null), [
    LOAD_MARK_PREFIX,
    steps,
  ] as const);
}

/** Once the groups are drawn from the map's own index: the view came before it, and is gone. */
async function expectViewGaveWay(page: Page): Promise<void> {
  await page.locator(`${MAP}[data-groups-ready="true"][data-feature-count="${GROUPS}"]`).waitFor({ timeout: 60_000 });
  const [view, drawn] = await marks(page, ['first-view-drawn', 'groups-drawn']);
  expect(view).not.toBeNull();
  expect(drawn).not.toBeNull();
  expect(view!).toBeLessThan(drawn!);
  expect(await page.evaluate(() => (window as unknown as { __noticeSeen: boolean }).__noticeSeen)).toBe(true);
  expect(await page.getByText(en['map.firstView']).count()).toBe(0);
}

describe("a big crisis's first view", () => {
  const suite = browserSuite({ dataDir: big.dataDir, demo: true, staticDir: 'dist/client' });
  afterAll(() => big.remove());

  it("is drawn from a first snapshot's points while the rest is decoded, counting every group", async () => {
    const guarded = await suite.open('coordinator', LAPTOP);
    const page = guarded.page;
    await watchNotice(page);
    await holdDecode(page);
    await submitSignIn(page, suite.server.url, suite.server.accounts.coordinator);
    // Drawn with the groups still undecoded: from the points alone.
    await page.waitForFunction((name) => performance.getEntriesByName(name).length > 0, `${LOAD_MARK_PREFIX}first-view-drawn`, { timeout: 60_000 });
    const [points, decoded] = await marks(page, ['points-ready', 'snapshot-decoded']);
    expect(points).not.toBeNull();
    expect(decoded).toBeNull();
    // Counted on the map as drawn (every cluster's groups, each group alone): all of them.
    expect(await page.getAttribute(MAP, 'data-first-view-count')).toBe(String(GROUPS));
    // Meanwhile the triage queue, with nothing decoded to rank, says the groups are coming: not
    // "no open group" beside a map full of them.
    const triage = page.getByTestId('triage');
    expect(await triage.textContent()).toContain(en['coord.triage.loading']);
    expect(await triage.textContent()).not.toContain(en['coord.triage.empty']);
    await releaseDecode(page);
    await expectViewGaveWay(page);
    await triage.getByTestId('triage-shown').waitFor({ timeout: 30_000 });
    expect(await triage.textContent()).not.toContain(en['coord.triage.loading']);
    guarded.assertClean();
  });

  it('is drawn before the rest of the snapshot is decoded, which would hold its frames back', async () => {
    const guarded = await suite.open('coordinator', LAPTOP);
    const page = guarded.page;
    await watchNotice(page);
    // The snapshot held back until the map is ready (a big crisis's takes seconds to build): the
    // points then reach a map that draws them at once, while the rest waits to be decoded.
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      const held: (string | Buffer)[] = [];
      let holding = true;
      void released.then(() => {
        holding = false;
        for (const message of held.splice(0)) ws.send(message);
      });
      // From the first binary frame on (the snapshot's bytes), in order.
      server.onMessage((message) => {
        if (holding && (held.length > 0 || typeof message !== 'string')) held.push(message);
        else ws.send(message);
      });
    });
    await submitSignIn(page, suite.server.url, suite.server.accounts.coordinator);
    await page.locator(`${MAP}[data-groups-ready="true"][data-feature-count="0"]`).waitFor({ timeout: 30_000 });
    release();
    await expectViewGaveWay(page);
    const [points, view, decoded] = await marks(page, ['points-ready', 'first-view-drawn', 'snapshot-decoded']);
    expect(view!).toBeGreaterThan(points!);
    expect(decoded!).toBeGreaterThan(view!);
    expect(await page.getAttribute(MAP, 'data-first-view-count')).toBe(String(GROUPS));
    guarded.assertClean();
  });

  it('is drawn from groups applied before the map was ready for them', async () => {
    const guarded = await suite.open('coordinator', LAPTOP);
    const page = guarded.page;
    await watchNotice(page);
    // The map's worker script held back until the groups are applied: a slow device's map start.
    const releaseWorker = await holdMapWorker(page);
    await submitSignIn(page, suite.server.url, suite.server.accounts.coordinator);
    await page.waitForFunction((name) => performance.getEntriesByName(name).length > 0, `${LOAD_MARK_PREFIX}snapshot-applied`, { timeout: 60_000 });
    releaseWorker();
    await expectViewGaveWay(page);
    const [applied, view] = await marks(page, ['snapshot-applied', 'first-view-drawn']);
    expect(view!).toBeGreaterThan(applied!);
    expect(await page.getAttribute(MAP, 'data-first-view-count')).toBe(String(GROUPS));
    guarded.assertClean();
  });
});
