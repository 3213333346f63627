/** Retry delays after a failed send or sync. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

/** 0.5 s, 1 s, 2 s ... up to 30 s. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000 };

/**
 * "Full jitter" (AWS architecture blog, "Exponential backoff and jitter"): a uniform delay between
 * 0 and an exponential ceiling. Spreading the retries this widely keeps a crowd of phones that
 * regain the network together from hitting the server in step.
 */
export function fullJitterDelay(attempt: number, random: () => number = Math.random, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt));
  return random() * ceiling;
}
