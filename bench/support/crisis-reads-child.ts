/**
 * One crisis read of bench/scenarios/crisis-reads.ts, alone in its own process so that its peak
 * resident set size is its own: `node --import tsx bench/support/crisis-reads-child.ts <read> <db
 * file> <crisis id>` prints one JSON line `{ ms, peakGrowthBytes, size }`. The peak is the
 * process's high-water mark (getrusage ru_maxrss) less its resident size just before the read,
 * after modules are loaded and the store is open: what the read itself added at its worst.
 */
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { openDatabase } from '../../server/db/database';
import { eachChange, toArray } from '../../server/repositories/contract';
import { createRepositories } from '../../server/repositories/repositories';
import { CoordinationService } from '../../server/services/coordination.service';
import { ExportService } from '../../server/services/export.service';
import { h3AreaIndex } from '../../server/services/h3-area-index';
import { exportableGroups, groupsCsv } from '../../shared/exports/group-export';
import { buildSitrep } from '../../shared/exports/sitrep';
import { assignmentDates, threeW } from '../../shared/threew';
import type { Audience } from '../../shared/projection';

/** The reads a child can make: Waymark's (streamed or folded), the array form before issue 15, and the raw baseline. */
export const CRISIS_READS = ['csv', 'csv-array', 'sitrep', 'sitrep-array', '3w', '3w-array', 'raw-groups', 'raw-groups-and-log'] as const;
export type CrisisRead = (typeof CRISIS_READS)[number];

export interface CrisisReadResult {
  ms: number;
  peakGrowthBytes: number;
  /** How far the high-water mark already stood above the start (loading): a peak growth below it is not seen. */
  slackBytes: number;
  /** What the read produced: bytes written, or rows read (the baseline), to tell the reads did the work. */
  size: number;
}

async function main(): Promise<void> {
  const [read, file, crisisId] = process.argv.slice(2) as [CrisisRead, string, string];
  if (!CRISIS_READS.includes(read) || !file || !crisisId) throw new Error(`usage: crisis-reads-child <${CRISIS_READS.join('|')}> <db file> <crisis id>`);
  const db = openDatabase(file);
  const repos = createRepositories(db);
  const now = Date.now();
  const user = await repos.users.findByUsername('coordinator');
  if (!user) throw new Error('the big database has no coordinator');
  // The audits these reads write go to the scenario's own copy of the database.
  const audience: Audience = { userId: user.id, role: 'coordinator', crisisId, agencyId: null, servesState: null };
  const exports = new ExportService(repos, h3AreaIndex, () => now);
  const coordination = new CoordinationService(repos, () => now);
  const crisis = (await repos.crises.findById(crisisId))!;
  const agencies = await repos.agencies.list();

  const reads: Record<CrisisRead, () => Promise<number>> = {
    csv: async () => {
      const stream = await exports.groups(audience, 'csv', {});
      if (!stream.ok) throw new Error(stream.message);
      let bytes = 0;
      await stream.write(async (chunk) => {
        bytes += Buffer.byteLength(chunk);
        // A socket takes the piece and gives the loop back before the next.
        await new Promise<void>((resolve) => setImmediate(resolve));
      });
      return bytes;
    },
    'csv-array': async () => {
      const groups = exportableGroups(audience, await repos.groups.listByCrisis(crisisId));
      return Buffer.byteLength(groupsCsv(groups, agencies, { hostCountry: crisis.hostCountry }));
    },
    sitrep: async () => {
      const built = await exports.sitrep(audience);
      if (!built.ok) throw new Error(built.message);
      return Buffer.byteLength(JSON.stringify(built.sitrep));
    },
    'sitrep-array': async () => {
      const groups = await repos.groups.listByCrisis(crisisId);
      const sitrep = buildSitrep({ crisis, groups, agencies, now, number: 1, issuedAt: null, previous: null, areas: h3AreaIndex });
      return Buffer.byteLength(JSON.stringify(sitrep));
    },
    '3w': async () => {
      const csv = await coordination.threeWCsv(audience);
      if (!csv.ok) throw new Error(csv.message);
      return Buffer.byteLength(csv.csv);
    },
    '3w-array': async () => {
      const dates = assignmentDates(await toArray(eachChange(repos, crisisId)));
      const rows = threeW(await repos.groups.listByCrisis(crisisId), agencies, { hostCountry: crisis.hostCountry, dates }, now);
      return rows.length;
    },
    // The floor: the groups' stored JSON read row by row and discarded, no parse, nothing kept.
    'raw-groups': () => Promise.resolve(rawRows(db, 'SELECT data FROM groups WHERE crisis_id = ?', crisisId)),
    // The floor of the 3W, which reads the change log too.
    'raw-groups-and-log': () =>
      Promise.resolve(
        rawRows(db, 'SELECT data FROM groups WHERE crisis_id = ?', crisisId) + rawRows(db, 'SELECT data FROM change_log WHERE crisis_id = ?', crisisId),
      ),
  };

  // Loading and opening leave garbage; collected first, the read starts from what stays.
  collectGarbage();
  const before = process.memoryUsage().rss;
  const slack = process.resourceUsage().maxRSS * 1024 - before;
  const t0 = performance.now();
  const size = await reads[read]();
  const ms = performance.now() - t0;
  const peak = process.resourceUsage().maxRSS * 1024;
  const result: CrisisReadResult = { ms, peakGrowthBytes: Math.max(0, peak - before), slackBytes: slack, size };
  await repos.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** A full garbage collection, without starting Node with --expose-gc. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

function rawRows(db: ReturnType<typeof openDatabase>, sql: string, crisisId: string): number {
  let rows = 0;
  for (const row of db.prepare<[string], { data: string }>(sql).iterate(crisisId)) if (row.data.length > 0) rows += 1;
  return rows;
}

await main();
