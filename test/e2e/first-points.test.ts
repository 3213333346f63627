import zlib from 'node:zlib';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FULL_SHAPE, type PackedViews } from '../../shared/packed-views';
import { bytesToPacked, viewsToBytes } from '../../shared/packed-bytes';
import { DEMO_GROUP_COUNT } from '../../server/seed/demo-seed';
import { holdDecode, holdMapWorker, releaseDecode } from './held-load';
import { LAPTOP, browserSuite, submitSignIn } from './suite';

// A first packed snapshot's map points are read from their columns and drawn before the rest of
// it is decoded (SyncClient.firstPoints). When the rest then fails its checks, the snapshot is
// refused; the points drawn from it must go with it, not stay on the map as groups nobody holds.

const MAP = '.group-map';

/** A tree of columns with its typed arrays (shared/packed-bytes.ts) as lists again, to edit and pack anew. */
const asLists = (value: unknown): unknown =>
  ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : Array.isArray(value) ? value.map(asLists) : value;

/** The packed views with their `notes` column made unreadable: a column the points do not read. */
function spoilNotes(bytes: Buffer): Buffer | null {
  let packed: PackedViews;
  try {
    const unpacked = bytesToPacked(zlib.gunzipSync(bytes)) as Record<string, unknown>;
    packed = Object.fromEntries(Object.entries(unpacked).map(([key, value]) => [key, asLists(value)])) as unknown as PackedViews;
  } catch {
    return null;
  }
  if (packed.format === undefined || !Array.isArray(packed.full) || FULL_SHAPE.k !== 'obj') return null;
  const notes = Object.keys(FULL_SHAPE.fields).indexOf('notes');
  const column = packed.full[notes];
  if (!Array.isArray(column) || column.length === 0) return null;
  // Every note an index past the string table.
  packed.full[notes] = column.map(() => 1e9);
  return zlib.gzipSync(viewsToBytes(packed));
}

/** Every value the map's feature count takes from the page's start, in order: a points' draw can be brief. */
async function watchFeatureCounts(page: Page): Promise<void> {
  await page.addInitScript((selector) => {
    const seen: string[] = [];
    (window as unknown as { __featureCounts: string[] }).__featureCounts = seen;
    new MutationObserver(() => {
      const count = document.querySelector(selector)?.getAttribute('data-feature-count');
      if (count != null && seen.at(-1) !== count) seen.push(count);
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-feature-count'], childList: true });
  }, MAP);
}

const featureCounts = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { __featureCounts: string[] }).__featureCounts);

describe("a first snapshot's points, drawn ahead of its groups", () => {
  const suite = browserSuite({ demo: true, staticDir: 'dist/client' });

  it('are taken off the map when the snapshot they came with is refused', async () => {
    const guarded = await suite.open('coordinator', LAPTOP);
    const page = guarded.page;
    await watchFeatureCounts(page);
    let spoilt = 0;
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((message) => {
        const spoiled = typeof message === 'string' ? null : spoilNotes(message);
        if (spoiled) spoilt++;
        ws.send(spoiled ?? message);
      });
    });
    await submitSignIn(page, suite.server.url, suite.server.accounts.coordinator);
    // Refused twice (the first sync and the one asked again after it): drawn, then taken off, each time.
    await expect.poll(() => spoilt, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => featureCounts(page), { timeout: 15_000 }).toEqual(expect.arrayContaining([String(DEMO_GROUP_COUNT)]));
    await expect.poll(() => page.locator(MAP).getAttribute('data-feature-count'), { timeout: 15_000 }).toBe('0');
    // The refusals were logged, as they should be; nothing else went wrong.
    const refused = /the packed snapshot did not match the contract/;
    expect(guarded.problems.some((p) => refused.test(p))).toBe(true);
    guarded.problems.splice(0, guarded.problems.length, ...guarded.problems.filter((p) => !refused.test(p)));
  });

  it('stay on the map until the groups take their place, however late the map is ready for them', async () => {
    const guarded = await suite.open('coordinator', LAPTOP);
    const page = guarded.page;
    await watchFeatureCounts(page);
    await holdDecode(page);
    // The map's worker script held back: the map is ready for the points only after they came.
    const releaseWorker = await holdMapWorker(page);
    await submitSignIn(page, suite.server.url, suite.server.accounts.coordinator);
    await page.waitForFunction(() => performance.getEntriesByName('waymark:points-ready').length > 0, null, { timeout: 30_000 });
    releaseWorker();
    // The points drawn once the map is ready; then time enough for any batch of the groups held
    // meanwhile (none yet) to come and go. A wait for time, not an event: what is checked is that
    // nothing happens, and the batch the map asks for as it becomes ready comes 300 ms later
    // (BATCH_INTERVAL_MS), a wiped map at once after it; two seconds leave a slow machine room.
    await page.locator(`${MAP}[data-feature-count="${DEMO_GROUP_COUNT}"]`).waitFor({ timeout: 30_000 });
    await page.waitForTimeout(2_000);
    await releaseDecode(page);
    await page.locator(`${MAP}[data-groups-ready="true"][data-feature-count="${DEMO_GROUP_COUNT}"]`).waitFor({ timeout: 30_000 });
    // From the points' draw on, the map never showed fewer: no batch put the (still empty) groups in their place.
    const counts = await featureCounts(page);
    expect(counts.slice(counts.indexOf(String(DEMO_GROUP_COUNT)))).toEqual([String(DEMO_GROUP_COUNT)]);
  });
});
