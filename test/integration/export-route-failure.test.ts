import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../../server/http/errors';
import { exportRoutes } from '../../server/http/export.routes';
import type { AuthService } from '../../server/services/auth.service';
import type { ExportService, ExportStream } from '../../server/services/export.service';
import { createConsoleLogger } from '../../server/log';
import { EXPORT_ROUTES } from '../../shared/exports/export.schema';
import { makeAudience } from '../support/factories';

/**
 * The export routes over an export that breaks after its first piece (a read failing half-way): the
 * service is a stand-in so that the failure comes at a known point; the route, Express and the
 * error handler are the real ones.
 */
let url: string;
let close: () => Promise<void>;

beforeAll(async () => {
  const auth = { resolveToken: () => Promise.resolve({ user: {} }), audienceOf: () => Promise.resolve(makeAudience()) } as unknown as AuthService;
  const breaking: ExportStream = {
    ok: true,
    write: async (sink) => {
      await sink('Group id,Place\r\n#meta+id,#loc+name\r\n');
      throw new Error('the database went away');
    },
  };
  const exports = { groups: () => Promise.resolve(breaking) } as unknown as ExportService;
  const app = express();
  app.use(exportRoutes({ auth, exports }));
  app.use(errorHandler({ ...createConsoleLogger('error'), error: () => {} }));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  };
});
afterAll(() => close());

describe('group export routes', () => {
  it('cuts the connection when an export fails after its first piece, so a short file never arrives as a whole one', async () => {
    const response = await fetch(`${url}${EXPORT_ROUTES.groupsCsv}`, { headers: { cookie: 'waymark_session=x' } });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });
});
