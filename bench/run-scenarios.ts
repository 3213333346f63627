/**
 * Runs scenario modules by name (`npm run bench -- cold-start live-map`): each is
 * bench/scenarios/<name>.ts with a default export implementing `Scenario`. Prints one table and
 * writes the rows as JSON under bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchRow, Scenario } from './scenario';

export async function runScenarios(names: readonly string[]): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const name of names) {
    if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`not a scenario name: ${name}`);
    const module = (await import(`./scenarios/${name}.ts`)) as { default: Scenario };
    console.error(`running ${module.default.name}…`);
    rows.push(...(await module.default.run()));
  }
  printRows(rows);
  mkdirSync('bench/results', { recursive: true });
  const file = join('bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}-${names.join('+')}.json`);
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), rows }, null, 2));
  console.log(`\nwritten to ${file}`);
  return rows;
}

export function printRows(rows: readonly BenchRow[]): void {
  const cells = [
    ['scenario', 'metric', 'waymark', 'baseline', 'ratio', 'goal', 'met'],
    ...rows.map((r) => [
      r.scenario,
      r.metric,
      `${r.waymark} ${r.unit}`,
      r.baseline === undefined ? '' : String(r.baseline),
      r.ratio === undefined ? '' : String(r.ratio),
      r.goal ?? '',
      r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    ]),
  ];
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((row) => row[c]!.length)));
  for (const row of cells) console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
  for (const r of rows) if (r.note) console.log(`- ${r.scenario} / ${r.metric}: ${r.note}`);
}
