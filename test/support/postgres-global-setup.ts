import { startPostgres } from './postgres';

/**
 * Global setup of the `integration-postgres` vitest project: one PostgreSQL server (from npm, see
 * test/support/postgres.ts) for the whole run; each test server makes a database of its own on it
 * (test/support/test-engine.ts). The workers inherit its address through the environment.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const harness = await startPostgres();
  const first = new URL(await harness.createDatabase());
  first.pathname = '/postgres';
  process.env.WAYMARK_TEST_POSTGRES_URL = first.toString();
  return () => harness.stop();
}
