/**
 * Runs an async task at most once per `intervalMs`, folding every request made meanwhile into the
 * next run (a trailing throttle with an immediate first run). Runs never overlap: a request made
 * while the task runs waits for it to finish.
 *
 * Why: MapLibre rebuilds a clustered GeoJSON source's whole index on every `setData`, in its
 * worker. Live updates arrive in bursts (a catch-up after reconnect is hundreds of changes), so
 * rebuilding per change would queue hundreds of rebuilds; one rebuild per interval keeps the map
 * current within `intervalMs` and the worker mostly idle.
 */
export class BatchScheduler {
  #dirty = false;
  #running = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastStart = Number.NEGATIVE_INFINITY;
  #disposed = false;

  constructor(
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    /** Where a failed run goes; the scheduler keeps going, so one bad batch does not stop updates. */
    private readonly onError: (error: unknown) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Asks for a run; several requests before the run starts make one run. */
  request(): void {
    if (this.#disposed) return;
    this.#dirty = true;
    this.#schedule();
  }

  /** True when nothing is waiting and nothing runs. */
  get settled(): boolean {
    return !this.#dirty && !this.#running && this.#timer === null;
  }

  /** Cancels what is waiting; a run already started finishes but nothing follows it. */
  dispose(): void {
    this.#disposed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    if (this.#disposed || this.#running || this.#timer !== null || !this.#dirty) return;
    const wait = Math.max(0, this.#lastStart + this.intervalMs - this.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#run();
    }, wait);
  }

  async #run(): Promise<void> {
    if (this.#disposed) return;
    this.#dirty = false;
    this.#running = true;
    this.#lastStart = this.now();
    try {
      await this.task();
    } catch (error) {
      this.onError(error);
    } finally {
      this.#running = false;
    }
    this.#schedule();
  }
}

/**
 * Waits for `work` unless `signal` aborts first, then throws the signal's reason. A removed
 * MapLibre map drops its worker's pending replies without settling them (Actor.remove only
 * unsubscribes), so a batch awaiting one would hold the scheduler forever and the map made next
 * (another language, another basemap) would never be drawn on.
 */
export function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const abandon = () => reject(signal.reason as Error);
    signal.addEventListener('abort', abandon, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', abandon);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abandon);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
