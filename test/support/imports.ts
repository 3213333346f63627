import { expect } from 'vitest';
import type { DateOrder, ImportMapping } from '../../shared/import-mapping';
import { ImportJob, ImportPreview, ImportStarted, ImportUpload, IMPORT_ROUTES, type ImportReadOptions } from '../../shared/schemas/import.schema';
import { ownOrigin, type ClientSocket } from './clients';

/** REST calls of the import screen, as a signed-in coordinator (by cookie). */
export function importClient(url: string, cookie: string) {
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...ownOrigin(url) }, body: JSON.stringify(body) });
  return {
    async uploadRaw(csv: string | Buffer, fileName = 'kobo-sample.csv', options: ImportReadOptions = {}): Promise<Response> {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(options)) if (typeof value === 'string') query.set(key, value);
      return fetch(`${url}${IMPORT_ROUTES.upload}?${query}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'text/csv', 'x-file-name': encodeURIComponent(fileName), ...ownOrigin(url) },
        body: typeof csv === 'string' ? csv : new Uint8Array(csv),
      });
    },
    async upload(csv: string | Buffer, fileName?: string, options: ImportReadOptions = {}): Promise<ImportUpload> {
      const response = await this.uploadRaw(csv, fileName, options);
      const body: unknown = await response.json();
      expect(response.status, JSON.stringify(body).slice(0, 300)).toBe(200);
      return ImportUpload.parse(body);
    },
    async preview(importId: string, mapping: ImportMapping, dateOrder: DateOrder | null = null): Promise<ImportPreview> {
      const response = await post(IMPORT_ROUTES.preview(importId), { mapping, dateOrder });
      expect(response.status).toBe(200);
      return ImportPreview.parse(await response.json());
    },
    /** Asks to start a run and answers the response as it came (a refusal is tested by its status and body). */
    async startRaw(importId: string, mapping: ImportMapping, dateOrder: DateOrder | null = null): Promise<Response> {
      return post(IMPORT_ROUTES.start(importId), { mapping, dateOrder });
    },
    async start(importId: string, mapping: ImportMapping, dateOrder: DateOrder | null = null): Promise<ImportJob> {
      const response = await post(IMPORT_ROUTES.start(importId), { mapping, dateOrder });
      expect(response.status).toBe(200);
      return ImportStarted.parse(await response.json()).job;
    },
  };
}

/** Collects a socket's import progress events; `done` resolves with the final state of `importId`. */
export function watchImport(socket: ClientSocket) {
  const events: ImportJob[] = [];
  socket.on('importProgress', (job) => events.push(job));
  return {
    events,
    done(importId: string): Promise<ImportJob> {
      return new Promise((resolve, reject) => {
        const check = (job: ImportJob) => {
          if (job.importId !== importId || job.state === 'running') return;
          socket.off('importProgress', check);
          if (job.state === 'done') resolve(job);
          else reject(new Error(`import ${importId} ended ${job.state}`));
        };
        socket.on('importProgress', check);
      });
    },
  };
}
