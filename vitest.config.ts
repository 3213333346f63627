import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

/**
 * Integration tests that read and write through the storage contract and nothing engine-specific
 * (no SQLite file opened beside the server, no child process): they run on both engines.
 */
const POSTGRES_INTEGRATION = [
  'admin-screen',
  'admin-areas',
  'audited-reads',
  'authorization-matrix',
  'consent-withdrawal',
  'consular',
  'coordination',
  'demo',
  'demo-consistency',
  'durability',
  'edit-scope',
  'embassy-channels.property',
  'exports',
  'field-device-scope',
  'group-commands',
  'import',
  'loop-closure',
  'movements',
  'packed-live',
  'packed-sync',
  'retention',
  'retention-admin',
  'erasure',
  'robustness',
  'session',
  'site-links',
  'sites',
];

export default defineConfig({
  test: {
    projects: [
      {
        // The Svelte plugin compiles `.svelte.ts` state classes (runes), so they are tested alone too.
        plugins: [svelte()],
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        // The integration tests that go through storage, again on PostgreSQL (one server from npm
        // for the run, a fresh database per test server: test/support/test-engine.ts).
        test: {
          name: 'integration-postgres',
          include: POSTGRES_INTEGRATION.map((name) => `test/integration/${name}.test.ts`),
          environment: 'node',
          env: { WAYMARK_TEST_ENGINE: 'postgres' },
          globalSetup: ['test/support/postgres-global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Browser tests drive one Chromium each; two at once saturate this 2-core machine.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 90_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
});
