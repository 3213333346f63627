/**
 * The contract between `npm run bench` (bench/run.ts) and each scenario module under
 * bench/scenarios/. A scenario measures Waymark and, in the same run, the raw baseline it is
 * compared with, and returns one row per figure. Nothing here asserts a time.
 */
export interface BenchRow {
  /** Which scenario of issue 7 (e.g. "1 ingest", "3 cold start"). */
  scenario: string;
  /** What was measured (e.g. "acked reports/s", "ack p99"). */
  metric: string;
  unit: string;
  waymark: number;
  /** The raw baseline measured in the same run, where the scenario has one. */
  baseline?: number;
  /** waymark / baseline, where there is a baseline. */
  ratio?: number;
  /** The goal in words (e.g. "≥ 10,000/s"), and whether this run met it. */
  goal?: string;
  met?: boolean;
  /** Anything a reader needs to read the figure right (load, sizes, machine notes). */
  note?: string;
}

export interface Scenario {
  /** Short name used to pick scenarios: `npm run bench -- ingest catch-up`. */
  name: string;
  /** Why the scenario cannot run on this machine (an optional server is missing), or null. */
  skipReason?(): string | null;
  run(): Promise<BenchRow[]>;
}

/** p50/p99/max of a list of samples (milliseconds). */
export interface Latencies {
  count: number;
  p50: number;
  p99: number;
  max: number;
}
export function summarise(samples: readonly number[]): Latencies {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { count: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? NaN };
}
