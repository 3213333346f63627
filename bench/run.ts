/**
 * `npm run bench [-- name ...]`: runs every scenario module in bench/scenarios/ (each exports a
 * `Scenario`, see bench/scenario.ts; by default or by any name), or only those named (by the
 * scenario's name or its file's), one after another, then
 * prints one table and writes it as JSON under bench/results/ (git-ignored). Not a test: nothing
 * here asserts a time. A scenario that throws is reported as failed and the others still run; one
 * that needs an optional server missing here (Redis) is skipped and says so.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchRow, Scenario } from './scenario';

const SCENARIO_DIR = path.resolve('bench/scenarios');

const isScenario = (value: unknown): value is Scenario =>
  typeof value === 'object' && value !== null && typeof (value as Scenario).name === 'string' && typeof (value as Scenario).run === 'function';

/** Every scenario module, with its file's base name (either name picks it). */
async function loadScenarios(): Promise<{ file: string; scenario: Scenario }[]> {
  const files = readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort();
  const found: { file: string; scenario: Scenario }[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(path.join(SCENARIO_DIR, file)).href)) as Record<string, unknown>;
    // The default export, else the first named export that is a Scenario.
    const scenario = [module.default, ...Object.values(module)].find(isScenario);
    if (!scenario) throw new Error(`${file} exports no Scenario (bench/scenario.ts)`);
    found.push({ file: file.replace(/\.ts$/, ''), scenario });
  }
  return found;
}

const fmt = (n: number | undefined) => {
  if (n === undefined || Number.isNaN(n)) return '';
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(Math.abs(n) >= 10 ? 1 : 2);
};

function printTable(rows: readonly BenchRow[]): void {
  const table = [
    ['scenario', 'metric', 'waymark', 'baseline', 'ratio', 'goal', 'met', 'note'],
    ...rows.map((r) => [
      r.scenario,
      r.metric,
      `${fmt(r.waymark)} ${r.unit}`,
      r.baseline === undefined ? '' : `${fmt(r.baseline)} ${r.unit}`,
      r.ratio === undefined ? '' : r.ratio.toFixed(2),
      r.goal ?? '',
      r.met === undefined ? '' : r.met ? 'met' : 'NOT MET',
      r.note ?? '',
    ]),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  for (const row of table)
    console.log(
      row
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    );
}

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const all = await loadScenarios();
const picks = (w: string, s: { file: string; scenario: Scenario }) => s.scenario.name === w || s.file === w;
const unknown = wanted.filter((w) => !all.some((s) => picks(w, s)));
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${all.map((s) => s.scenario.name).join(', ')}`);
  process.exit(2);
}
const chosen = (wanted.length > 0 ? all.filter((s) => wanted.some((w) => picks(w, s))) : all).map((s) => s.scenario);

const rows: BenchRow[] = [];
const failures: { scenario: string; error: string }[] = [];
const skipped: { scenario: string; reason: string }[] = [];
for (const scenario of chosen) {
  const reason = scenario.skipReason?.() ?? null;
  if (reason) {
    skipped.push({ scenario: scenario.name, reason });
    console.error(`bench: ${scenario.name} ${reason}`);
    continue;
  }
  console.error(`bench: ${scenario.name}…`);
  const started = Date.now();
  try {
    rows.push(...(await scenario.run()));
    console.error(`bench: ${scenario.name} done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    failures.push({ scenario: scenario.name, error: message });
    console.error(`bench: ${scenario.name} FAILED: ${message}`);
  }
}

console.log('');
printTable(rows);
for (const s of skipped) console.log(`\n${s.scenario}: ${s.reason}`);
for (const f of failures) console.log(`\n${f.scenario}: FAILED (${f.error.split('\n')[0]})`);

mkdirSync('bench/results', { recursive: true });
const at = new Date().toISOString();
const file = path.join('bench/results', `${at.replace(/[:.]/g, '-')}.json`);
const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? null, loadavg: os.loadavg(), node: process.version };
writeFileSync(file, JSON.stringify({ at, scenarios: chosen.map((s) => s.name), machine, rows, skipped, failures }, null, 2));
console.log(`\nwritten to ${file}`);
process.exit(failures.length > 0 ? 1 : 0);
