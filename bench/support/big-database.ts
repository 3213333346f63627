/**
 * A big crisis for the scale scenarios (issue 7, scenarios 3-6): the synthetic demo crisis (its
 * agencies and one account per role) grown to N groups, written through the real schema and
 * repositories into a real SQLite file, in transactions of 10,000 groups with a change-log row
 * each, exactly as reports land. Groups spread around the demo's Libyan towns and along the desert
 * routes between them (server/seed/demo-groups.ts), over the ten days before now.
 *
 * Generating 100,000 groups takes a while (every one is parsed by the shared schema), so the file
 * is kept in the OS temp folder, keyed by N, and each run works on a fresh copy.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DATABASE_FILE_NAME } from '../../server/config';
import { openDatabase } from '../../server/db/database';
import { createRepositories } from '../../server/repositories/repositories';
import { loadCountryShape } from '../../server/seed/country-shape';
import { makeDemoGroup } from '../../server/seed/demo-groups';
import { seedDemo, DEMO_GROUP_COUNT } from '../../server/seed/demo-seed';
import { Prng } from '../../server/seed/prng';
import { ZodError } from 'zod';
import type { Group } from '../../shared/schemas/group.schema';

/** Bump when the generator changes, so a cached file from an older one is not reused. */
const GENERATOR_VERSION = 3;
const BATCH = 10_000;
const LIBYA_NUMERIC = '434';

export interface BigDatabase {
  /** A folder holding `waymark.db`, a copy of its own: the scenario may write to it. */
  dataDir: string;
  crisisId: string;
  groups: number;
  /** Milliseconds spent generating; 0 when the cached file was reused. */
  generatedMs: number;
  remove(): void;
}

function cacheFile(groups: number): string {
  return path.join(os.tmpdir(), `waymark-bench-big-v${GENERATOR_VERSION}-${groups}`, DATABASE_FILE_NAME);
}

/**
 * One group from the demo generator. About one draw in tens of thousands breaks the schema (more
 * nationalities than people in a tiny group: three codes plus "stateless" for three people); the
 * schema refuses it, and the next draw is taken.
 */
function makeGroup(rng: Prng, context: Parameters<typeof makeDemoGroup>[1]): Group {
  for (;;) {
    try {
      return makeDemoGroup(rng, context);
    } catch (error) {
      if (!(error instanceof ZodError)) throw error;
    }
  }
}

/** Writes the database of `groups` groups to `file` (which must not exist). */
export async function generateBigDatabase(file: string, groups: number, nowMs = Date.now()): Promise<string> {
  const db = openDatabase(file);
  const repos = createRepositories(db);
  try {
    const demo = await seedDemo(repos, { nowMs });
    const crisis = await repos.crises.findById(demo.crisisId);
    const reporter = await repos.users.findByUsername('field');
    if (!crisis || !reporter) throw new Error('the demo seed made no crisis or field user');
    const rng = new Prng(0xb16_0007);
    const context = { crisisId: crisis.id, area: crisis.area, land: loadCountryShape(LIBYA_NUMERIC), reportedBy: reporter.id, nowMs };
    for (let made = DEMO_GROUP_COUNT; made < groups;) {
      const n = Math.min(BATCH, groups - made);
      const batch = Array.from({ length: n }, () => makeGroup(rng, context)).sort((a, b) => a.reportedAt.localeCompare(b.reportedAt));
      await repos.transaction(async () => {
        for (const group of batch) {
          await repos.groups.insert(group);
          await repos.changeLog.appendGroupChange('group.report', group, group.reportedBy, group.reportedAt);
        }
      });
      made += n;
    }
    return crisis.id;
  } finally {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }
}

/** A fresh copy of the cached N-group database (generated first if missing). */
export async function bigDatabase(groups: number): Promise<BigDatabase> {
  const cached = cacheFile(groups);
  let generatedMs = 0;
  if (!fs.existsSync(cached)) {
    const t0 = performance.now();
    const partial = `${cached}.partial`;
    fs.rmSync(path.dirname(cached), { recursive: true, force: true });
    await generateBigDatabase(partial, groups);
    fs.renameSync(partial, cached);
    generatedMs = performance.now() - t0;
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'waymark-bench-'));
  fs.copyFileSync(cached, path.join(dataDir, DATABASE_FILE_NAME));
  // Opened for writing once, so migrations newer than the cached file are applied to the copy.
  const db = openDatabase(path.join(dataDir, DATABASE_FILE_NAME));
  const crisisId = db.prepare<[string], { crisis_id: string | null }>('SELECT crisis_id FROM users WHERE username = ?').get('coordinator')?.crisis_id;
  db.close();
  if (!crisisId) throw new Error('the big database has no coordinator');
  return { dataDir, crisisId, groups, generatedMs, remove: () => fs.rmSync(dataDir, { recursive: true, force: true }) };
}
