import type { Page } from 'playwright-core';

// Parts of a first load held back by a browser test, to put its steps in the order a slow device
// or a big crisis would: the map's worker script, and a first snapshot's decoding.

/**
 * Holds back the map's worker script until the returned function is called: the map is ready for
 * groups only after that, as on a slow device, or with a crisis whose snapshot beats the map's start.
 */
export async function holdMapWorker(page: Page): Promise<() => void> {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/maplibre-gl-worker/, async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

/**
 * Holds a first snapshot's decoding once its map points are out, until `releaseDecode`: the rest
 * of the snapshot is decoded between ordinary-priority tasks (taskPause), and those tasks wait
 * here, so the groups stay undecoded for as long as a test needs, as a big crisis's do for seconds.
 */
export async function holdDecode(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __releaseDecode: () => void };
    const scheduler = (window as unknown as { scheduler: { postTask(cb: () => unknown, options?: { priority?: string }): Promise<unknown> } }).scheduler;
    const postTask = scheduler.postTask.bind(scheduler);
    const waiting: (() => void)[] = [];
    let released = false;
    w.__releaseDecode = () => {
      released = true;
      for (const go of waiting.splice(0)) go();
    };
    scheduler.postTask = (cb, options) => {
      const decoding = performance.getEntriesByName('waymark:points-ready').length > 0 && performance.getEntriesByName('waymark:snapshot-decoded').length === 0;
      if (released || !decoding || options?.priority !== 'user-visible') return postTask(cb, options);
      return new Promise((resolve, reject) => waiting.push(() => void postTask(cb, options).then(resolve, reject)));
    };
  });
}

/** Lets the decoding held by `holdDecode` go on. */
export async function releaseDecode(page: Page): Promise<void> {
  await page.evaluate(() => (window as unknown as { __releaseDecode: () => void }).__releaseDecode());
}
