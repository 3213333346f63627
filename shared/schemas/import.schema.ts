import { z } from 'zod';
import { ImportField, ImportMapping } from '../import-mapping';

/** REST routes of the CSV import (coordinators). */
export const IMPORT_ROUTES = {
  /** POST the file itself (text/csv body, `x-file-name` header): answers the headers and a guessed mapping. */
  upload: '/api/imports',
  /** GET a run's progress; POST …/preview and …/start with a mapping. */
  one: (id: string) => `/api/imports/${id}`,
  preview: (id: string) => `/api/imports/${id}/preview`,
  start: (id: string) => `/api/imports/${id}/start`,
} as const;

/** Largest file the import takes by default (WAYMARK_IMPORT_MAX_MB): 50,000 Kobo rows are about 10 MB. */
export const DEFAULT_IMPORT_MAX_BYTES = 32 * 1024 * 1024;

/** Why a row cannot be imported: a code the client words, the field, and the offending value. */
export const ROW_REASONS = ['required', 'not_a_number', 'unknown_value', 'bad_date', 'rule', 'duplicate_row'] as const;
export const RowReason = z.object({
  code: z.enum(ROW_REASONS),
  field: ImportField.nullable(),
  /** The cell as read (cut to 60 characters), or for a duplicate the earlier row's number. */
  value: z.string().max(60).nullable(),
  /** For `rule`: the schema's own message (e.g. "nationalities count more people than the total"). */
  detail: z.string().nullable(),
});
export type RowReason = z.infer<typeof RowReason>;

/** One refused row: its number as a spreadsheet shows it (the header is row 1), and every reason. */
export const InvalidRow = z.object({ row: z.number().int().min(1), reasons: z.array(RowReason).min(1) });
export type InvalidRow = z.infer<typeof InvalidRow>;

/** What an upload answers: the columns, their HXL hashtags if the file has that row, and a guess. */
export const ImportUpload = z.object({
  ok: z.literal(true),
  importId: z.uuid(),
  fileName: z.string(),
  headers: z.array(z.string()),
  hxl: z.array(z.string()).nullable(),
  mapping: ImportMapping,
  /** The first few data rows, so the person can see what each column holds. */
  sample: z.array(z.array(z.string())),
});
export type ImportUpload = z.infer<typeof ImportUpload>;

/** A mapping to check or apply. */
export const ImportRequest = z.object({ mapping: ImportMapping }).strict();

/** Every row checked with a mapping: how many would go in, and every one that would not, with why. */
export const ImportPreview = z.object({
  ok: z.literal(true),
  total: z.number().int().min(0),
  valid: z.number().int().min(0),
  invalid: z.array(InvalidRow),
});
export type ImportPreview = z.infer<typeof ImportPreview>;

export const IMPORT_STATES = ['running', 'done', 'failed'] as const;

/** A run's progress, sent as `importProgress` to the importing user and answered by GET. */
export const ImportJob = z.object({
  importId: z.uuid(),
  fileName: z.string(),
  state: z.enum(IMPORT_STATES),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Data rows in the file (known once the whole file has been read; rows read so far until then). */
  total: z.number().int().min(0),
  processed: z.number().int().min(0),
  imported: z.number().int().min(0),
  /** Rows whose group is already there (the same file imported before): nothing is added. */
  alreadyPresent: z.number().int().min(0),
  refused: z.number().int().min(0),
});
export type ImportJob = z.infer<typeof ImportJob>;

export const ImportStarted = z.object({ ok: z.literal(true), job: ImportJob });
