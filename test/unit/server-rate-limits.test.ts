import { describe, expect, it } from 'vitest';
import { SignInLimiter } from '../../server/security/sign-in-limiter';
import { TokenBucket } from '../../server/security/token-bucket';

describe(TokenBucket.name, () => {
  it('allows the burst at once, then the steady rate', () => {
    let now = 0;
    const bucket = new TokenBucket({ perSecond: 20, burst: 50 }, () => now);

    const first = Array.from({ length: 51 }, () => bucket.take());
    now += 100; // two tokens at 20 a second
    const later = [bucket.take(), bucket.take(), bucket.take()];

    expect(first.filter(Boolean)).toHaveLength(50);
    expect(first[50]).toBe(false);
    expect(later).toEqual([true, true, false]);
  });

  it('never holds more than the burst however long it idles', () => {
    let now = 0;
    const bucket = new TokenBucket({ perSecond: 20, burst: 5 }, () => now);
    now += 3_600_000;
    expect(Array.from({ length: 6 }, () => bucket.take())).toEqual([true, true, true, true, true, false]);
  });
});

describe(SignInLimiter.name, () => {
  const policy = { maxPerAccount: 10, maxPerAddress: 50, windowMs: 15 * 60_000, lockMs: 30 * 60_000 };

  it('locks the account at the 10th failure, for 30 minutes, whatever the case of the username', () => {
    const limiter = new SignInLimiter(policy);
    for (let i = 0; i < 9; i++) limiter.recordFailure('Amal', `10.0.0.${i}`, 0);
    expect(limiter.refusedUntil('amal', '10.9.9.9', 0)).toBeNull();
    limiter.recordFailure('AMAL', '10.0.0.10', 0);

    expect(limiter.refusedUntil('amal', '10.9.9.9', 1)).toBe(30 * 60_000);
    expect(limiter.refusedUntil('amal', '10.9.9.9', 30 * 60_000)).toBeNull();
  });

  it('locks an address that failed 50 times across usernames, but not other addresses', () => {
    const limiter = new SignInLimiter(policy);
    for (let i = 0; i < 50; i++) limiter.recordFailure(`user-${i}`, '10.0.0.1', 0);

    expect(limiter.refusedUntil('someone', '10.0.0.1', 1)).not.toBeNull();
    expect(limiter.refusedUntil('someone', '10.0.0.2', 1)).toBeNull();
  });
});
