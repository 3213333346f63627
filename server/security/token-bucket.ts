/** How many socket events one connection may send: a steady rate and a burst on top. */
export interface SocketRatePolicy {
  perSecond: number;
  burst: number;
}

/** 20 a second with a burst of 50: an outbox replaying after a long outage drains in a few seconds. */
export const DEFAULT_SOCKET_RATE: SocketRatePolicy = { perSecond: 20, burst: 50 };

/** A token bucket: `take()` spends one token if there is one; tokens refill at `perSecond` up to `burst`. */
export class TokenBucket {
  readonly #policy: SocketRatePolicy;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor(policy: SocketRatePolicy, now: () => number = Date.now) {
    this.#policy = policy;
    this.#now = now;
    this.#tokens = policy.burst;
    this.#at = now();
  }

  /** Whether an event may go ahead now (and spends its token). */
  take(): boolean {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#at);
    this.#tokens = Math.min(this.#policy.burst, this.#tokens + (elapsed / 1000) * this.#policy.perSecond);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
