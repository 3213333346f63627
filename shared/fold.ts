/**
 * An accumulator fed one item at a time, then asked for its result: how a figure over a whole
 * crisis is computed from pages without holding the crisis (the server feeds it from a page walk,
 * the client from the groups it holds). A fold keeps only what its result needs.
 */
export interface Fold<T, R> {
  add(item: T): void;
  result(): R;
}

/** Feeds every item to a fold and answers its result: the array form of a fold. */
export function foldAll<T, R>(fold: Fold<T, R>, items: Iterable<T>): R {
  for (const item of items) fold.add(item);
  return fold.result();
}
