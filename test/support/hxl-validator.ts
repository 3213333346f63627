import { parse } from 'csv-parse/sync';
import { HXL_ATTRIBUTES, HXL_HASHTAGS, NUMERIC_ATTRIBUTE, WAYMARK_ATTRIBUTES, type HxlDataType } from './hxl-dictionary';

/** One thing wrong with an HXL file: where, and what (never more than the cell's position). */
export interface HxlError {
  /** 1-based row of the file (the header is row 1, the hashtag row 2), or 0 for the file as a whole. */
  row: number;
  column: string;
  problem: string;
}

/** A tag split into its hashtag and attributes, lowercased as HXL compares them. */
export function parseTag(spec: string): { hashtag: string; attributes: string[] } | null {
  const m = /^\s*(#[a-z][a-z0-9_]*)((?:\s*\+[a-z][a-z0-9_]*)*)\s*$/i.exec(spec);
  if (!m) return null;
  const attributes = (m[2] ?? '')
    .split('+')
    .map((a) => a.trim().toLowerCase())
    .filter(Boolean);
  return { hashtag: m[1]!.toLowerCase(), attributes };
}

/** The data type a tag's values must have: the hashtag's, made numeric by +num. */
export function dataTypeOf(hashtag: string, attributes: readonly string[]): HxlDataType {
  const base = HXL_HASHTAGS[hashtag]?.type ?? 'text';
  return attributes.includes(NUMERIC_ATTRIBUTE) ? 'number' : base;
}

const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;
// ISO 8601: a date, or a date-time with an optional zone.
const DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Errors of one value under a tag (empty values are always allowed: HXL has no "required"). */
function valueErrors(hashtag: string, attributes: readonly string[], value: string): string[] {
  const v = value.trim();
  if (v === '') return [];
  const out: string[] = [];
  const type = dataTypeOf(hashtag, attributes);
  if (type === 'number' && !NUMBER.test(v)) out.push('not a number under a numeric hashtag');
  if (type === 'date' && (!DATE.test(v) || !Number.isFinite(Date.parse(v.replace(' ', 'T'))))) out.push('not an ISO 8601 date');
  if (hashtag === '#geo' && attributes.includes('lat') && !(NUMBER.test(v) && Math.abs(Number(v)) <= 90)) out.push('latitude not a number from -90 to 90');
  if (hashtag === '#geo' && attributes.includes('lon') && !(NUMBER.test(v) && Math.abs(Number(v)) <= 180)) out.push('longitude not a number from -180 to 180');
  if (hashtag === '#country' && attributes.includes('code') && !/^[A-Z]{3}$/.test(v)) out.push('country code not ISO 3166-1 alpha-3');
  return out;
}

/**
 * Validates a CSV with an HXL hashtag row (row 2, under the headers) against the dictionary:
 * every hashtag is in it (or is a custom `#x_…`), every attribute is a core one or one Waymark
 * declared, and every value has its tag's data type. Returns every error, not the first.
 */
export function validateHxlCsv(csv: string): HxlError[] {
  const rows = parse(csv.replace(/^\uFEFF/, ''), { relax_column_count: false }) as string[][];
  const errors: HxlError[] = [];
  const tagRow = rows[1];
  if (!tagRow) return [{ row: 0, column: '', problem: 'no hashtag row' }];
  const tags = tagRow.map((spec, i) => {
    const tag = parseTag(spec);
    const column = spec || `column ${i + 1}`;
    if (!tag) {
      errors.push({ row: 2, column, problem: 'not a hashtag' });
      return null;
    }
    if (!HXL_HASHTAGS[tag.hashtag] && !tag.hashtag.startsWith('#x_')) errors.push({ row: 2, column, problem: `unknown hashtag ${tag.hashtag}` });
    // Valid syntax, wrong meaning, and the one misuse the dictionary names outright.
    if (tag.hashtag === '#group' && tag.attributes.includes('id'))
      errors.push({ row: 2, column, problem: '#group is a non-humanitarian actor, not a record id' });
    for (const a of tag.attributes) {
      if (!HXL_ATTRIBUTES[a] && !WAYMARK_ATTRIBUTES[a]) errors.push({ row: 2, column, problem: `undeclared attribute +${a}` });
    }
    return { ...tag, column };
  });
  rows.slice(2).forEach((cells, r) => {
    cells.forEach((value, i) => {
      const tag = tags[i];
      if (!tag) return;
      for (const problem of valueErrors(tag.hashtag, tag.attributes, value)) errors.push({ row: r + 3, column: tag.column, problem });
    });
  });
  return errors;
}
