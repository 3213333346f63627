/** The Prioritized Task Scheduling API, where the browser has it (Chromium); not yet in TypeScript's DOM types. */
type TaskPriority = 'user-blocking' | 'user-visible' | 'background';
interface TaskScheduler {
  postTask(callback: () => void, options: { priority: TaskPriority }): Promise<void>;
}

/** Resolves in a later task of `priority`; where the browser has no task priorities, a plain later task. */
function laterTask(priority: TaskPriority): Promise<void> {
  const scheduler = (globalThis as { scheduler?: Partial<TaskScheduler> }).scheduler;
  if (typeof scheduler?.postTask === 'function') return scheduler.postTask(() => undefined, { priority });
  return new Promise<void>((resolve) => setTimeout(resolve, 0));
}

/**
 * Resolves in a later task of background priority: work done in slices between such pauses (ranking
 * a big crisis's triage queue) gives way to the map's own tasks (handing the groups to its worker,
 * the tiles coming back) and to a person's input, rather than taking turns with them.
 */
export function backgroundPause(): Promise<void> {
  return laterTask('background');
}

/**
 * Resolves in a later task of ordinary priority: long work on the page's critical path (decoding a
 * big crisis's first state) done in slices between such pauses lets the tasks queued meanwhile run
 * (frames, a person's input) without falling behind them. Without task priorities, the browser
 * may delay each plain later task by 4 ms once timers nest deeply.
 */
export function taskPause(): Promise<void> {
  return laterTask('user-visible');
}
