import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatchScheduler, unlessAborted } from '../../client/lib/map/batch-scheduler';

/** A task whose runs are counted and whose completion the test controls. */
function controllableTask() {
  const finishers: (() => void)[] = [];
  const task = vi.fn(() => new Promise<void>((resolve) => finishers.push(resolve)));
  return { task, finishNext: () => finishers.shift()?.() };
}

describe(BatchScheduler.name, () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const make = (task: () => Promise<void>, onError = vi.fn()) => new BatchScheduler(300, task, onError, () => Date.now());

  it('runs the first request at once', async () => {
    const { task } = controllableTask();
    make(task).request();
    await vi.advanceTimersByTimeAsync(0);
    expect(task).toHaveBeenCalledTimes(1);
  });

  it('folds a burst of requests into one run per interval', async () => {
    const task = vi.fn(async () => {});
    const scheduler = make(task);
    for (let i = 0; i < 100; i++) scheduler.request();
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 100; i++) scheduler.request();
    await vi.advanceTimersByTimeAsync(299);
    expect(task).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(task).toHaveBeenCalledTimes(2);
    expect(scheduler.settled).toBe(true);
  });

  it('never starts a run while the previous one is still going', async () => {
    const { task, finishNext } = controllableTask();
    const scheduler = make(task);
    scheduler.request();
    await vi.advanceTimersByTimeAsync(0);
    scheduler.request();
    await vi.advanceTimersByTimeAsync(1000);
    expect(task).toHaveBeenCalledTimes(1);
    expect(scheduler.settled).toBe(false);
    finishNext();
    await vi.advanceTimersByTimeAsync(0);
    expect(task).toHaveBeenCalledTimes(2);
  });

  it('reports a failed run and keeps serving later requests', async () => {
    const onError = vi.fn();
    const task = vi.fn().mockRejectedValueOnce(new Error('worker refused')).mockResolvedValue(undefined);
    const scheduler = make(task, onError);
    scheduler.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: 'worker refused' }));
    scheduler.request();
    await vi.advanceTimersByTimeAsync(300);
    expect(task).toHaveBeenCalledTimes(2);
  });

  it('runs nothing more once disposed', async () => {
    const task = vi.fn(async () => {});
    const scheduler = make(task);
    scheduler.request();
    scheduler.dispose();
    scheduler.request();
    await vi.advanceTimersByTimeAsync(1000);
    expect(task).not.toHaveBeenCalled();
  });
});

describe(unlessAborted.name, () => {
  it('stops waiting for work that never settles once the signal aborts', async () => {
    const controller = new AbortController();
    const waiting = unlessAborted(new Promise<never>(() => {}), controller.signal);
    controller.abort(new Error('map removed'));
    await expect(waiting).rejects.toThrow('map removed');
  });

  it('passes the work on when it settles first', async () => {
    const controller = new AbortController();
    await expect(unlessAborted(Promise.resolve(7), controller.signal)).resolves.toBe(7);
    await expect(unlessAborted(Promise.reject(new Error('refused')), controller.signal)).rejects.toThrow('refused');
  });
});
