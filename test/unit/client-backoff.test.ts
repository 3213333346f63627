import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, fullJitterDelay } from '../../client/lib/sync/backoff';

describe(fullJitterDelay.name, () => {
  it('spreads a retry uniformly between zero and a ceiling that doubles per attempt', () => {
    expect(fullJitterDelay(0, () => 0.999999)).toBeCloseTo(500, 0);
    expect(fullJitterDelay(1, () => 0.5)).toBe(500);
    expect(fullJitterDelay(3, () => 0.25)).toBe(1000);
    expect(fullJitterDelay(5, () => 0)).toBe(0);
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const delay = fullJitterDelay(attempt, () => r);
        return delay >= 0 && delay < DEFAULT_BACKOFF.capMs;
      }),
    );
  });
});
