/** How many failed sign-ins are tolerated before a key is locked, and for how long. */
export interface SignInLimitPolicy {
  /** Failures per username within `windowMs` that lock it (the next attempt is refused). */
  maxPerAccount: number;
  /** Failures per client address within `windowMs` that lock the address. */
  maxPerAddress: number;
  windowMs: number;
  lockMs: number;
}

export const DEFAULT_SIGN_IN_LIMIT: SignInLimitPolicy = {
  maxPerAccount: 10,
  maxPerAddress: 50,
  windowMs: 15 * 60_000,
  lockMs: 30 * 60_000,
};

interface Counter {
  failures: number[];
  lockedUntil: number;
}

/**
 * Beyond this many remembered keys the oldest are dropped: an attacker spraying random usernames
 * must not grow the server's memory without bound. Their counters are the least useful anyway.
 */
const MAX_KEYS = 50_000;

/** Failure counters for one kind of key (usernames or addresses), in memory. */
class FailureCounter {
  readonly #counters = new Map<string, Counter>();
  readonly #max: number;
  readonly #policy: SignInLimitPolicy;

  constructor(max: number, policy: SignInLimitPolicy) {
    this.#max = max;
    this.#policy = policy;
  }

  lockedUntil(key: string, now: number): number | null {
    const c = this.#counters.get(key);
    return c && c.lockedUntil > now ? c.lockedUntil : null;
  }

  fail(key: string, now: number): void {
    const c = this.#counters.get(key) ?? { failures: [], lockedUntil: 0 };
    c.failures = c.failures.filter((t) => now - t < this.#policy.windowMs);
    c.failures.push(now);
    if (c.failures.length >= this.#max) {
      c.lockedUntil = now + this.#policy.lockMs;
      c.failures = [];
    }
    // Re-inserting keeps the Map in least-recently-failed order, so the oldest key is first.
    this.#counters.delete(key);
    this.#counters.set(key, c);
    if (this.#counters.size > MAX_KEYS) {
      const oldest = this.#counters.keys().next().value;
      if (oldest !== undefined) this.#counters.delete(oldest);
    }
  }

  clear(key: string): void {
    this.#counters.delete(key);
  }
}

/**
 * Counts failed sign-ins per username and per client address and locks either when it has failed
 * too often. Usernames are counted whether or not they exist, so a lock tells nothing about an
 * account. Kept in memory: a restart forgets the counters, which costs an attacker one restart
 * per 10 guesses, not worth a table yet.
 */
export class SignInLimiter {
  readonly #accounts: FailureCounter;
  readonly #addresses: FailureCounter;

  constructor(policy: SignInLimitPolicy = DEFAULT_SIGN_IN_LIMIT) {
    this.#accounts = new FailureCounter(policy.maxPerAccount, policy);
    this.#addresses = new FailureCounter(policy.maxPerAddress, policy);
  }

  /** When the attempt must be refused, the time (epoch ms) until which; otherwise null. */
  refusedUntil(username: string, address: string, now: number): number | null {
    const a = this.#accounts.lockedUntil(normalise(username), now);
    const b = this.#addresses.lockedUntil(address, now);
    if (a === null && b === null) return null;
    return Math.max(a ?? 0, b ?? 0);
  }

  /** Records a failed attempt for both keys. */
  recordFailure(username: string, address: string, now: number): void {
    this.#accounts.fail(normalise(username), now);
    this.#addresses.fail(address, now);
  }

  /** A successful sign-in clears the account's failures (not the address's: one address may serve many people). */
  recordSuccess(username: string): void {
    this.#accounts.clear(normalise(username));
  }
}

const normalise = (username: string) => username.trim().toLowerCase();
