/** The Prioritized Task Scheduling API, where the browser has it (Chromium); not yet in TypeScript's DOM types. */
interface TaskScheduler {
  postTask(callback: () => void, options: { priority: 'user-blocking' | 'user-visible' | 'background' }): Promise<void>;
}

/**
 * Resolves in a later task of background priority: work done in slices between such pauses (ranking
 * a big crisis's triage queue) gives way to the map's own tasks (handing the groups to its worker,
 * the tiles coming back) and to a person's input, rather than taking turns with them. Where the
 * browser has no task priorities, a plain later task.
 */
export function backgroundPause(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: Partial<TaskScheduler> }).scheduler;
  if (typeof scheduler?.postTask === 'function') return scheduler.postTask(() => undefined, { priority: 'background' });
  return new Promise<void>((resolve) => setTimeout(resolve, 0));
}

/**
 * Resolves in a later task of ordinary priority: long work on the page's critical path (decoding a
 * big crisis's first state) done in slices between such pauses lets the tasks queued meanwhile run
 * (the map's worker replies, its frames, a person's input) without falling behind them. Where the
 * browser has no task priorities, a plain later task (which the browser may delay by 4 ms once
 * timers nest deeply).
 */
export function taskPause(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: Partial<TaskScheduler> }).scheduler;
  if (typeof scheduler?.postTask === 'function') return scheduler.postTask(() => undefined, { priority: 'user-visible' });
  return new Promise<void>((resolve) => setTimeout(resolve, 0));
}
