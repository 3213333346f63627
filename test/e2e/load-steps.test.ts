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
    // Each step once (the demo's first state comes in one sync), and in the order the list gives.
    expect(marks.map((m) => m.step)).toEqual([...LOAD_STEPS]);
    const times = marks.map((m) => m.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});
