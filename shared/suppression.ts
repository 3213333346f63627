import { z } from 'zod';
import type { Group } from './schemas/group.schema';

/** Counts from 1 to this are shown as "<5" (protection rule 1: small counts could identify people). */
export const SMALL_COUNT_MAX = 4;
/** The label of a suppressed count. */
export const SUPPRESSED = '<5';

/** A count as it may be shown: a number of at least 5, or "<5". Zero counts are left out. */
export const ShownCount = z.union([
  z
    .number()
    .int()
    .min(SMALL_COUNT_MAX + 1),
  z.literal(SUPPRESSED),
]);
export type ShownCount = z.infer<typeof ShownCount>;

/**
 * Every figure about nationals an embassy does not see in full is rounded down to a multiple of
 * this (protection rule 10): the difference of two such figures is then a multiple of 5 too, so
 * subtracting one from another never gives back a count from 1 to 4, and a group of 1-4 moving
 * changes a figure by 0 or 5, never by its size.
 */
export const ROUNDING_BASE = 5;

/** A rounded count: a multiple of 5 (meaning that many up to 4 more), or "<5" (1 to 4). */
export const RoundedCount = z.union([z.number().int().min(ROUNDING_BASE).multipleOf(ROUNDING_BASE), z.literal(SUPPRESSED)]);
export type RoundedCount = z.infer<typeof RoundedCount>;

/** A count as it may be shown, or null for zero. */
export function showCount(n: number): ShownCount | null {
  if (n <= 0) return null;
  return n <= SMALL_COUNT_MAX ? SUPPRESSED : n;
}

/** A hidden nationals' count as released: null for zero, "<5" for 1-4, else rounded down to a multiple of 5. */
export function roundCount(n: number): RoundedCount | null {
  if (n <= 0) return null;
  return n <= SMALL_COUNT_MAX ? SUPPRESSED : Math.floor(n / ROUNDING_BASE) * ROUNDING_BASE;
}

/** Statuses whose people have left the place where they were reported, or whose case is closed. */
export const GONE_STATUSES: ReadonlySet<string> = new Set<Group['status']>(['relocated', 'evacuated', 'returned', 'closed']);
