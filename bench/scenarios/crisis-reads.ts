/**
 * Issue 15, no whole-crisis reads per request: on BENCH_GROUPS (100,000) groups, the group CSV
 * export (streamed a page at a time), the situation report and the 3W (folded over pages), each
 * in its own process: time and the process's peak resident-set growth during the read. Beside each
 * in the same run: the same read in its array form (every group in memory at once, as before the
 * issue) and the raw baseline, the groups' stored JSON (and for the 3W the change log's) read row
 * by row and discarded. Ratios are Waymark over the raw baseline; nothing asserts a time.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { DATABASE_FILE_NAME } from '../../server/config';
import type { BenchRow, Scenario } from '../scenario';
import { bigDatabase } from '../support/big-database';
import type { CrisisRead, CrisisReadResult } from '../support/crisis-reads-child';
import { BIG_GROUPS } from './cold-start';

const NAME = '15 crisis reads';
const MB = 1024 * 1024;
const round = (x: number, places = 1) => Math.round(x * 10 ** places) / 10 ** places;

/** Runs one read in a fresh process and answers what it printed. */
function runChild(read: CrisisRead, file: string, crisisId: string): Promise<CrisisReadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('bench/support/crisis-reads-child.ts'), read, file, crisisId], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.trim().split('\n').at(-1);
      if (code !== 0 || !line) return reject(new Error(`${read} exited with ${code}: ${out.slice(-500)}`));
      resolve(JSON.parse(line) as CrisisReadResult);
    });
  });
}

/** The reads compared: Waymark's, its array form before issue 15, and the raw floor. */
const READS: { label: string; waymark: CrisisRead; array: CrisisRead; raw: CrisisRead }[] = [
  { label: 'group CSV export', waymark: 'csv', array: 'csv-array', raw: 'raw-groups' },
  { label: 'situation report', waymark: 'sitrep', array: 'sitrep-array', raw: 'raw-groups' },
  { label: '3W CSV', waymark: '3w', array: '3w-array', raw: 'raw-groups-and-log' },
];

export const crisisReadsScenario: Scenario = {
  name: 'crisis-reads',
  async run(): Promise<BenchRow[]> {
    const big = await bigDatabase(BIG_GROUPS);
    const file = path.join(big.dataDir, DATABASE_FILE_NAME);
    const rows: BenchRow[] = [];
    try {
      for (const r of READS) {
        // One after another, never two at once: the machine's two cores are shared.
        const waymark = await runChild(r.waymark, file, big.crisisId);
        const array = await runChild(r.array, file, big.crisisId);
        const raw = await runChild(r.raw, file, big.crisisId);
        const note = `${big.groups} groups; array form (every group in memory, before issue 15): ${round(array.ms, 0)} ms, peak +${round(array.peakGrowthBytes / MB)} MB; output ${round(waymark.size / MB, 2)} MB`;
        rows.push({
          scenario: NAME,
          metric: `${r.label}: time`,
          unit: 'ms',
          waymark: round(waymark.ms, 0),
          baseline: round(raw.ms, 0),
          ratio: round(waymark.ms / raw.ms, 2),
          note,
        });
        rows.push({
          scenario: NAME,
          metric: `${r.label}: peak RSS growth`,
          unit: 'MB',
          waymark: round(waymark.peakGrowthBytes / MB),
          baseline: round(raw.peakGrowthBytes / MB),
          ratio: raw.peakGrowthBytes > 0 ? round(waymark.peakGrowthBytes / raw.peakGrowthBytes, 2) : undefined,
          goal: 'well below the array form',
          met: waymark.peakGrowthBytes < array.peakGrowthBytes / 2,
          note: `${note}; high-water mark already ${round(waymark.slackBytes / MB)} MB above the start before the read`,
        });
      }
    } finally {
      big.remove();
    }
    return rows;
  },
};
