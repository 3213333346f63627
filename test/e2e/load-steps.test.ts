import { describe, expect, it } from 'vitest';
import { DEMO_GROUP_COUNT } from '../../server/seed/demo-seed';
import { LOAD_MARK_PREFIX, LOAD_STEPS } from '../../client/lib/timing';
import { LAPTOP, browserSuite, submitSignIn } from './suite';

// The steps of a first load are marked on the browser's own timeline (client/lib/timing.ts): the
// cold-start bench reads them to say where its seconds go, and a person can see them in any
// browser's performance panel. Marked out of order or not at all, the bench's breakdown is wrong.

describe('a first load', () => {
  const suite = browserSuite({ demo: true, staticDir: 'dist/client' });

  it("marks each of its steps once on the browser's timeline, in the order they happen", async () => {
    const guarded = await suite.open('coordinator', LAPTOP);
    const page = guarded.page;
    await submitSignIn(page, suite.server.url, suite.server.accounts.coordinator);
    await page.locator(`.group-map[data-groups-ready="true"][data-feature-count="${DEMO_GROUP_COUNT}"]`).waitFor({ timeout: 30_000 });
    const marks = await page.evaluate(
      (prefix) =>
        performance
          .getEntriesByType('mark')
          .filter((m) => m.name.startsWith(prefix))
          .map((m) => ({ step: m.name.slice(prefix.length), at: m.startTime })),
      LOAD_MARK_PREFIX,
    );
    // Each step once (the demo's first state comes in one sync), and in the order the list gives;
    // no first view: the demo's 300 groups are too few to need one (first-view.test.ts has one).
    expect(marks.map((m) => m.step)).toEqual(LOAD_STEPS.filter((step) => step !== 'first-view-drawn'));
    const times = marks.map((m) => m.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('starts the map only once the sync is on its way: the map holds the page for a while as it starts, and the sync waited behind it', async () => {
    const guarded = await suite.open('coordinator', LAPTOP);
    const page = guarded.page;
    // When the map's canvas enters the page, on the same timeline as the app's marks.
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (!document.querySelector('canvas.maplibregl-canvas')) return;
        performance.mark('test:map-canvas');
        observer.disconnect();
      }).observe(document, { childList: true, subtree: true });
    });
    await submitSignIn(page, suite.server.url, suite.server.accounts.coordinator);
    await page.locator(`.group-map[data-groups-ready="true"][data-feature-count="${DEMO_GROUP_COUNT}"]`).waitFor({ timeout: 30_000 });
    const at = await page.evaluate((prefix) => {
      const first = (name: string) => performance.getEntriesByName(name, 'mark')[0]?.startTime ?? null;
      return { syncSent: first(`${prefix}sync-sent`), mapCanvas: first('test:map-canvas') };
    }, LOAD_MARK_PREFIX);
    expect(at.syncSent).not.toBeNull();
    expect(at.mapCanvas).not.toBeNull();
    expect(at.mapCanvas!).toBeGreaterThanOrEqual(at.syncSent!);
  });
});
