import os from 'node:os';

/** This machine's CPU time so far, all cores together (ms): busy, and in all. */
function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    const used = times.user + times.nice + times.sys + times.irq;
    busy += used;
    total += used + times.idle;
  }
  return { busy, total };
}

export interface QuietOptions {
  /** The window the share is taken over (ms). */
  windowMs: number;
  /** The largest share of the cores' time busy over a window that counts as quiet. */
  maxBusyShare: number;
  /** How long to wait at most (ms); then the caller goes on, told the machine was not quiet. */
  timeoutMs: number;
}

/** What "quiet" means for the bench's cold navigations (and their notes say). */
export const QUIET: QuietOptions = { windowMs: 250, maxBusyShare: 0.15, timeoutMs: 20_000 };

export interface QuietWait {
  waitedMs: number;
  quiet: boolean;
}

/**
 * Waits until this machine's cores have been quiet over a whole window: busy at most
 * `maxBusyShare` of their time (QUIET: 15% over 250 ms).
 *
 * Why: a cold start measured right after the previous one measures part of that one too. Leaving
 * a 100,000-group page for a blank tab as soon as its map is ready, both cores of this machine
 * stayed fully busy for another 1.5-1.75 s (the page's own work after its map, its teardown); a
 * navigation started then found its first view 1.3-2.3 s later than one started once they were
 * quiet (3.2-4.4 s against 1.9-2.1 s, 2026-12-07). The bare MapLibre page it is compared with
 * leaves a far lighter page, so the wait is made before every measured navigation of both.
 */
export async function machineQuiet({ windowMs, maxBusyShare, timeoutMs }: QuietOptions = QUIET): Promise<QuietWait> {
  const started = performance.now();
  let before = cpuTimes();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = cpuTimes();
    const total = now.total - before.total;
    // A window the counters did not move in (they tick every 10 ms or so) says nothing yet.
    if (total > 0 && (now.busy - before.busy) / total <= maxBusyShare) return { waitedMs: performance.now() - started, quiet: true };
    if (performance.now() - started >= timeoutMs) return { waitedMs: performance.now() - started, quiet: false };
    before = now;
  }
}
