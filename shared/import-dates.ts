/**
 * Dates in imported files: ISO 8601 (Kobo, ODK) read as they are, and day/month dates
 * (`03/04/2026`) read only in the order the person chose, never guessed. Pure.
 */
import { z } from 'zod';

/** Which comes first in a `03/04/2026`-style date: day (dmy) or month (mdy). Never guessed: the person says. */
export const DateOrder = z.enum(['dmy', 'mdy']);
export type DateOrder = z.infer<typeof DateOrder>;

/** `03/04/2026`, `3.4.2026`, `03-04-2026`, with an optional time: day and month in an order only the person knows. */
export const DAY_MONTH = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/** What kind of date a cell is: a day/month one that could be either order, one that can only be one, or another. */
export function dayMonthKind(cell: string): 'ambiguous' | 'day_first' | 'month_first' | null {
  const m = DAY_MONTH.exec(cell.trim());
  if (!m) return null;
  const [a, b] = [Number(m[1]), Number(m[2])];
  if (a > 12 && b <= 12) return 'day_first';
  if (b > 12 && a <= 12) return 'month_first';
  return 'ambiguous';
}

/** A day/month date in the order the person chose, as a Timestamp (zone-less: UTC), or null if no such day. */
export function parseDayMonth(m: RegExpExecArray, order: DateOrder): string | null {
  const [a, b, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [day, month] = order === 'dmy' ? [a, b] : [b, a];
  const [h, min, sec] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const ms = Date.UTC(year, month - 1, day, h, min, sec);
  const d = new Date(ms);
  // Date.UTC rolls 31/02 over to March: only a date that reads back the same is one.
  if (d.getUTCDate() !== day || d.getUTCMonth() !== month - 1 || h > 23 || min > 59 || sec > 59) return null;
  return d.toISOString();
}

/** Reads a date as a Timestamp: a zone-less time (Kobo's `_submission_time`) is UTC; a bare date is its midnight. */
export function parseDate(cell: string): string | null {
  const t = cell.trim();
  const zoneless = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(t);
  const ms = Date.parse(zoneless ? `${t.replace(' ', 'T')}${t.length > 10 ? 'Z' : 'T00:00:00Z'}` : t);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}
