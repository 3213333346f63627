import {
  ImportJob,
  ImportPreview,
  ImportStarted,
  ImportUpload,
  IMPORT_ROUTES,
  type ImportReadOptions,
  type ImportRequest,
} from '../../../shared/schemas/import.schema';
import { json, request, type ApiResult } from './api';
import { z } from 'zod';

const readQuery = (options: ImportReadOptions): URLSearchParams => {
  const query = new URLSearchParams();
  if (options.encoding) query.set('encoding', options.encoding);
  if (options.delimiter) query.set('delimiter', options.delimiter);
  return query;
};

/** Sends the file itself (read with the chosen encoding and delimiter, else detected); the server answers its columns and a guessed mapping. */
export const uploadImport = (file: File, options: ImportReadOptions = {}): Promise<ApiResult<ImportUpload>> =>
  request(ImportUpload, `${IMPORT_ROUTES.upload}?${readQuery(options)}`, {
    method: 'POST',
    body: file,
    headers: { 'content-type': 'text/csv', 'x-file-name': encodeURIComponent(file.name) },
  });

/** Checks every row with a mapping (and the day/month order, once chosen). */
export const previewImport = (importId: string, body: ImportRequest): Promise<ApiResult<ImportPreview>> =>
  request(ImportPreview, IMPORT_ROUTES.preview(importId), { method: 'POST', ...json(body) });

/** Starts applying the valid rows; progress follows as `importProgress` events. */
export const startImport = (importId: string, body: ImportRequest): Promise<ApiResult<z.infer<typeof ImportStarted>>> =>
  request(ImportStarted, IMPORT_ROUTES.start(importId), { method: 'POST', ...json(body) });

/** A run's progress, when an event may have been missed (e.g. after a reconnection). */
export const importStatus = (importId: string): Promise<ApiResult<{ ok: true; job: ImportJob }>> =>
  request(z.object({ ok: z.literal(true), job: ImportJob }), IMPORT_ROUTES.one(importId));
