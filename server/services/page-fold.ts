import type { Fold } from '../../shared/fold';

/** Feeds a page walk (`eachGroup`, `eachChange`) to a fold, item by item, and answers its result. */
export async function foldEach<T, R>(fold: Fold<T, R>, items: AsyncIterable<T>): Promise<R> {
  for await (const item of items) fold.add(item);
  return fold.result();
}

/** Regroups a page walk's items into arrays of at most `size`: the pieces a streamed export writes. */
export async function* inBatches<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
