/**
 * CPU profiles as V8 writes them (the DevTools protocol's `Profiler.stop`, or the `ProfileChunk`
 * events of a Chrome trace gathered into one), summed by function: shared by the page profiling
 * tools in this folder.
 */

export interface ProfileNode {
  id: number;
  /** A trace's profile leaves out where V8's own entries ((program), (garbage collector)) are. */
  callFrame: { functionName: string; url?: string; lineNumber?: number; columnNumber?: number };
  hitCount?: number;
  children?: number[];
}

export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  /** Microseconds from the previous sample (the first: from the profile's start). */
  timeDeltas: number[];
  /** When the profile started, in microseconds of the trace's clock (a trace's `Profile` event has it). */
  startTime?: number;
}

/** A function as a line of a summary: "name file.js:line:column". */
export function frameKey(f: ProfileNode['callFrame']): string {
  const name = f.functionName || '(anonymous)';
  if (!f.url) return name;
  return `${name} ${f.url.split('/').pop()}:${(f.lineNumber ?? 0) + 1}:${(f.columnNumber ?? 0) + 1}`;
}

/**
 * The `n` functions with the most self time, as lines "  1234 ms  name file.js:line:column"; only
 * the samples in `window` (microseconds of the profile's clock, from its `startTime`) when given.
 */
export function topSelfTime(
  profile: Profile,
  n = 25,
  name: (frame: ProfileNode['callFrame']) => string = frameKey,
  window?: { from: number; to: number },
): string[] {
  const self = new Map<string, number>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  let at = profile.startTime ?? 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    const node = byId.get(id);
    if (!node || (window && (at < window.from || at >= window.to))) return;
    const key = name(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + delta / 1000);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, ms]) => `${ms.toFixed(0).padStart(7)} ms  ${key}`);
}
