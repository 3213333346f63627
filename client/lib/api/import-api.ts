import type { ImportMapping } from '../../../shared/import-mapping';
import { ImportJob, ImportPreview, ImportStarted, ImportUpload, IMPORT_ROUTES } from '../../../shared/schemas/import.schema';
import { json, request, type ApiResult } from './api';
import { z } from 'zod';

/** Sends the file itself; the server answers its columns and a guessed mapping. */
export const uploadImport = (file: File): Promise<ApiResult<ImportUpload>> =>
  request(ImportUpload, IMPORT_ROUTES.upload, {
    method: 'POST',
    body: file,
    headers: { 'content-type': 'text/csv', 'x-file-name': encodeURIComponent(file.name) },
  });

/** Checks every row with a mapping. */
export const previewImport = (importId: string, mapping: ImportMapping): Promise<ApiResult<ImportPreview>> =>
  request(ImportPreview, IMPORT_ROUTES.preview(importId), { method: 'POST', ...json({ mapping }) });

/** Starts applying the valid rows; progress follows as `importProgress` events. */
export const startImport = (importId: string, mapping: ImportMapping): Promise<ApiResult<z.infer<typeof ImportStarted>>> =>
  request(ImportStarted, IMPORT_ROUTES.start(importId), { method: 'POST', ...json({ mapping }) });

/** A run's progress, when an event may have been missed (e.g. after a reconnection). */
export const importStatus = (importId: string): Promise<ApiResult<{ ok: true; job: ImportJob }>> =>
  request(z.object({ ok: z.literal(true), job: ImportJob }), IMPORT_ROUTES.one(importId));
