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
