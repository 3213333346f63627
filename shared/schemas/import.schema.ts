import { z } from 'zod';
import { ImportDelimiter, ImportEncoding } from './import-read.schema';
import { DateOrder, ImportField, ImportMapping } from '../import-mapping';

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

/**
 * Why a row cannot be imported: a code the client words, and the field (so the column). Never the
 * cell's content: a reason is shown, logged and passed on, and a cell can hold anything.
 * `date_order`: a day/month date while the person has not said which comes first;
 * `outside_area`: the point is outside the crisis area (with a margin); `swapped_coordinates`: it
 * is outside, and would be inside with latitude and longitude swapped.
 */
export const ROW_REASONS = [
  'required',
  'not_a_number',
  'unknown_value',
  'bad_date',
  'date_order',
  'outside_area',
  'swapped_coordinates',
  'rule',
  'duplicate_row',
] as const;
export const RowReason = z.object({
  code: z.enum(ROW_REASONS),
  field: ImportField.nullable(),
  /** Only for a duplicate: the earlier row's number. Never a cell's content. */
  value: z.string().max(60).nullable(),
  /** For `rule`: the schema's own message (e.g. "nationalities count more people than the total"); for a list, which item. */
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
  /** How the file was read: the encoding and delimiter used, and whether they were detected or chosen. */
  encoding: ImportEncoding,
  delimiter: ImportDelimiter,
  detected: z.object({ encoding: ImportEncoding, delimiter: ImportDelimiter }),
  /**
   * Columns that are one choice of a Kobo/ODK select-multiple (`vulnerabilities/disability` beside
   * `vulnerabilities`): 0/1 mean no/yes, not a number of people, so no count field takes them.
   */
  choiceColumns: z.array(z.number().int().min(0)),
});
export type ImportUpload = z.infer<typeof ImportUpload>;

/** How to read the file again (`?encoding=&delimiter=` on the upload): what the person chose over the detection. */
export const ImportReadOptions = z.object({ encoding: ImportEncoding.optional(), delimiter: ImportDelimiter.optional() }).strict();
export type ImportReadOptions = z.infer<typeof ImportReadOptions>;

/** A mapping to check or apply, and the day/month order of `03/04/2026`-style dates once the person has said. */
export const ImportRequest = z.object({ mapping: ImportMapping, dateOrder: DateOrder.nullable().default(null) }).strict();
export type ImportRequest = z.infer<typeof ImportRequest>;

/** Every row checked with a mapping: how many would go in, and every one that would not, with why. */
export const ImportPreview = z.object({
  ok: z.literal(true),
  total: z.number().int().min(0),
  valid: z.number().int().min(0),
  invalid: z.array(InvalidRow),
  /** Valid rows whose group is already in this crisis (imported before, or Waymark's own export of it). */
  alreadyPresent: z.number().int().min(0),
  /**
   * Rows whose date is day/month or month/day (`03/04/2026`): `ambiguous` could be either, `dayFirst`
   * can only be day/month (`13/04/2026`), `monthFirst` only month/day. Any of them and no `dateOrder`
   * given: the preview asks, and those rows wait (`date_order`).
   */
  dates: z.object({ ambiguous: z.number().int().min(0), dayFirst: z.number().int().min(0), monthFirst: z.number().int().min(0) }),
  dateOrder: DateOrder.nullable(),
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
