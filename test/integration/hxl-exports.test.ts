import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSULAR_ROUTES } from '../../shared/consular';
import { EXPORT_ROUTES } from '../../shared/exports/export.schema';
import { API_ROUTES } from '../../shared/schemas/api.schema';
import { COORDINATION_ROUTES } from '../../shared/schemas/coordination.schema';
import type { Role } from '../../shared/schemas/user.schema';
import { signIn } from '../support/clients';
import { validateHxlCsv } from '../support/hxl-validator';
import { startTestServer, type TestServer } from '../support/server';

let server: TestServer;
const cookies = new Map<Role, string>();

beforeAll(async () => {
  server = await startTestServer({ demo: true });
  for (const role of ['coordinator', 'responder', 'embassy'] as const) {
    const a = server.accounts[role];
    cookies.set(role, await signIn(server.url, a.username, a.password));
  }
});
afterAll(async () => {
  await server.destroy();
});

const get = (path: string, role: Role) => fetch(`${server.url}${path}`, { headers: { cookie: cookies.get(role) ?? '' } });

/**
 * Every CSV with HXL hashtags that leaves Waymark, with the role that downloads it and whether the
 * demo gives it data rows (the demo gives the responder's agency, IOM, open work: issue 19).
 */
const HXL_EXPORTS: [string, Role, boolean][] = [
  [EXPORT_ROUTES.groupsCsv, 'coordinator', true],
  [EXPORT_ROUTES.groupsCsv, 'responder', true],
  [EXPORT_ROUTES.groupsCsv, 'embassy', true],
  [EXPORT_ROUTES.shareableCsv, 'coordinator', true],
  [COORDINATION_ROUTES.threeW, 'coordinator', true],
  [API_ROUTES.aggregatesCsv, 'embassy', true],
  [CONSULAR_ROUTES.evacuationCsv, 'embassy', true],
];

describe('HXL exports of the demo crisis', () => {
  it.each(HXL_EXPORTS)('%s (%s) validates against the HXL dictionary with zero errors', async (path, role, hasRows) => {
    const response = await get(path, role);
    expect(response.status).toBe(200);
    const csv = await response.text();
    const rows = parse(csv.replace(/^\uFEFF/, '')) as string[][];
    // Something to validate: a file of headers only would pass any value check.
    if (hasRows) expect(rows.length).toBeGreaterThan(2);
    else expect(rows.length).toBe(2);
    expect(validateHxlCsv(csv)).toEqual([]);
  });
});
