import { ASSIGNMENT_STATUSES } from './schemas/assignment.schema';
import {
  AGE_BANDS,
  CONSENT_VALUES,
  DOCUMENT_STATES,
  GROUP_STATUSES,
  INTENTIONS,
  SITE_TYPES,
  VULNERABILITIES,
  type Group,
  type GroupReduced,
  type GroupView,
} from './schemas/group.schema';
import { NEED_STATUSES, NEED_TYPES } from './schemas/need.schema';
import type { ChangeEvent } from './schemas/sync.schema';

/**
 * A compact, lossless encoding of many group views (the initial state of a big crisis), built
 * from `projectGroup` output and nothing else: columns instead of objects, so the field names are
 * written once and each column holds values alike (which gzip then compresses well); repeated
 * strings (place names, notes, the crisis, reporters, agencies) as indexes into one table; enums
 * as indexes; timestamps as integer milliseconds; coordinates as integers at 1e-5° when that is
 * exact. Arrays (needs, assignments, nationalities) are a length column and the columns of all
 * their items.
 *
 * Only the fields the view's shape names are written: a reduced view's encoding cannot carry more
 * than the reduced projection, whatever else the object held.
 *
 * The decoder checks every value it reads against the shape (type, enum range, integer) and throws
 * `PackedViewsError` on anything else, so the client can trust a decoded view as it trusts one
 * its zod schema passed, at a fraction of the cost.
 */
export const PACKED_VIEWS_FORMAT = 1;

export interface PackedViews {
  format: typeof PACKED_VIEWS_FORMAT;
  count: number;
  /** The dictionary of repeated strings. */
  strings: string[];
  /** 0 for a full view, 1 for a reduced one, per view in order. */
  kinds: number[];
  full: unknown[];
  reduced: unknown[];
}

export class PackedViewsError extends Error {
  override name = 'PackedViewsError';
}

/** How one value is written: the shape of a field. */
type Shape =
  | { k: 'uuid' }
  | { k: 'text' }
  | { k: 'enum'; values: readonly string[] }
  | { k: 'int' }
  | { k: 'num' }
  | { k: 'coord' }
  | { k: 'bool' }
  | { k: 'time' }
  | { k: 'nullable'; of: Shape }
  | { k: 'obj'; fields: Readonly<Record<string, Shape>> }
  | { k: 'arr'; of: Shape };

const uuid: Shape = { k: 'uuid' };
const text: Shape = { k: 'text' };
const int: Shape = { k: 'int' };
const bool: Shape = { k: 'bool' };
const time: Shape = { k: 'time' };
const coord: Shape = { k: 'coord' };
const oneOf = (values: readonly string[]): Shape => ({ k: 'enum', values });
const obj = (fields: Record<string, Shape>): Shape => ({ k: 'obj', fields });
const arr = (of: Shape): Shape => ({ k: 'arr', of });
const nullable = (of: Shape): Shape => ({ k: 'nullable', of });
const counts = (keys: readonly string[]): Shape => obj(Object.fromEntries(keys.map((key) => [key, int])));

/** Every field of `Group`, in the schema's order. A test checks this against the schema. */
export const FULL_SHAPE = obj({
  id: uuid,
  location: obj({ lat: coord, lon: coord, accuracyM: nullable({ k: 'num' }), placeName: text, siteType: oneOf(SITE_TYPES) }),
  seenAt: time,
  headcount: obj({ total: int, female: counts(AGE_BANDS), male: counts(AGE_BANDS) }),
  nationalities: arr(obj({ code: text, count: int })),
  vulnerabilities: counts(VULNERABILITIES),
  documents: counts(DOCUMENT_STATES),
  intention: oneOf(INTENTIONS),
  consentConsulate: oneOf(CONSENT_VALUES),
  protectionConcern: bool,
  notes: text,
  needs: arr(obj({ id: uuid, type: oneOf(NEED_TYPES), severity: int, people: int, status: oneOf(NEED_STATUSES) })),
  crisisId: text,
  status: oneOf(GROUP_STATUSES),
  version: int,
  reportedBy: text,
  reportedAt: time,
  updatedAt: time,
  mergedInto: nullable(uuid),
  assignments: arr(
    obj({
      id: uuid,
      groupId: uuid,
      needId: uuid,
      agencyId: text,
      status: oneOf(ASSIGNMENT_STATUSES),
      peopleReached: int,
      note: text,
      expectedBy: nullable(time),
      createdBy: text,
      updatedAt: time,
      version: int,
    }),
  ),
  followUpBy: arr(text),
});

/** Every field of `GroupReduced`: the anonymous point, nothing more. */
export const REDUCED_SHAPE = obj({ id: uuid, lat: coord, lon: coord, status: oneOf(GROUP_STATUSES), needTypes: arr(oneOf(NEED_TYPES)), version: int });

const COORD_SCALE = 1e5;

// ---------------------------------------------------------------------------------------------
// Encoding: a tree of column writers mirroring the shape.

interface Writer {
  push(value: unknown): void;
  finish(): unknown;
}

class Strings {
  readonly list: string[] = [];
  readonly #index = new Map<string, number>();
  of(s: string): number {
    let i = this.#index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.#index.set(s, i);
    }
    return i;
  }
}

function writer(shape: Shape, strings: Strings): Writer {
  switch (shape.k) {
    case 'uuid':
    case 'int':
    case 'num':
    case 'bool': {
      const column: unknown[] = [];
      const map = shape.k === 'bool' ? (v: unknown) => (v ? 1 : 0) : (v: unknown) => v;
      return { push: (v) => column.push(map(v)), finish: () => column };
    }
    case 'text': {
      const column: number[] = [];
      return { push: (v) => column.push(strings.of(String(v))), finish: () => column };
    }
    case 'enum': {
      const column: number[] = [];
      return {
        push: (v) => {
          const i = shape.values.indexOf(v as string);
          if (i < 0) throw new PackedViewsError(`not one of the values: ${String(v)}`);
          column.push(i);
        },
        finish: () => column,
      };
    }
    case 'coord': {
      // Integers at 1e-5° (about a metre) where that is the exact value, the number itself otherwise.
      const column: number[] = [];
      const exact: Record<number, number> = {};
      return {
        push: (v) => {
          const n = v as number;
          const scaled = Math.round(n * COORD_SCALE);
          if (scaled / COORD_SCALE === n) column.push(scaled);
          else {
            exact[column.length] = n;
            column.push(0);
          }
        },
        finish: () => [column, exact],
      };
    }
    case 'time': {
      // Milliseconds, as a delta from the column's previous value (times cluster, so deltas are short);
      // a string that is not what toISOString() makes is kept as it is.
      const column: number[] = [];
      const verbatim: Record<number, string> = {};
      let previous = 0;
      return {
        push: (v) => {
          const s = v as string;
          const ms = Date.parse(s);
          if (Number.isFinite(ms) && new Date(ms).toISOString() === s) {
            column.push(ms - previous);
            previous = ms;
          } else {
            verbatim[column.length] = s;
            column.push(0);
          }
        },
        finish: () => [column, verbatim],
      };
    }
    case 'nullable': {
      const present: number[] = [];
      const inner = writer(shape.of, strings);
      return {
        push: (v) => {
          present.push(v === null ? 0 : 1);
          if (v !== null) inner.push(v);
        },
        finish: () => [present, inner.finish()],
      };
    }
    case 'obj': {
      const entries = Object.entries(shape.fields).map(([key, field]) => [key, writer(field, strings)] as const);
      return {
        push: (v) => {
          const o = v as Record<string, unknown>;
          for (const [key, w] of entries) w.push(o[key]);
        },
        finish: () => entries.map(([, w]) => w.finish()),
      };
    }
    case 'arr': {
      const lengths: number[] = [];
      const item = writer(shape.of, strings);
      return {
        push: (v) => {
          const a = v as readonly unknown[];
          lengths.push(a.length);
          for (const x of a) item.push(x);
        },
        finish: () => [lengths, item.finish()],
      };
    }
  }
}

/** Encodes views in order. Call it only on `projectGroup` output. */
export function encodeViews(views: Iterable<GroupView>): PackedViews {
  const strings = new Strings();
  const full = writer(FULL_SHAPE, strings);
  const reduced = writer(REDUCED_SHAPE, strings);
  const kinds: number[] = [];
  let count = 0;
  for (const view of views) {
    count++;
    if (view.view === 'full') {
      kinds.push(0);
      full.push(view.group);
    } else {
      kinds.push(1);
      reduced.push(view.group);
    }
  }
  return {
    format: PACKED_VIEWS_FORMAT,
    count,
    strings: strings.list,
    kinds,
    full: full.finish() as unknown[],
    reduced: reduced.finish() as unknown[],
  };
}

// ---------------------------------------------------------------------------------------------
// Decoding: a tree of column readers, each checking what it reads.

interface Reader {
  next(): unknown;
  /** True when every value of the column was read (a column longer than its count is refused). */
  done(): boolean;
}

const fail = (what: string): never => {
  throw new PackedViewsError(`packed views: ${what}`);
};
const isArray = (v: unknown, what: string): unknown[] => (Array.isArray(v) ? v : fail(`${what} is not a list`));
const isRecord = (v: unknown, what: string): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(`${what} is not a table`);
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function column(v: unknown, what: string, check: (x: unknown) => boolean): { take(): unknown; done(): boolean } {
  const values = isArray(v, what);
  let i = 0;
  return {
    take: () => {
      if (i >= values.length) fail(`${what} ends early`);
      const x = values[i++];
      if (!check(x)) fail(`${what} holds a bad value`);
      return x;
    },
    done: () => i === values.length,
  };
}

const isInt = (x: unknown) => Number.isSafeInteger(x);
const isNum = (x: unknown) => typeof x === 'number' && Number.isFinite(x);

function reader(shape: Shape, data: unknown, strings: readonly string[], path: string): Reader {
  switch (shape.k) {
    case 'uuid': {
      const c = column(data, path, (x) => typeof x === 'string' && UUID_RE.test(x));
      return { next: c.take, done: c.done };
    }
    case 'int':
    case 'num': {
      const c = column(data, path, shape.k === 'int' ? isInt : isNum);
      return { next: c.take, done: c.done };
    }
    case 'bool': {
      const c = column(data, path, (x) => x === 0 || x === 1);
      return { next: () => c.take() === 1, done: c.done };
    }
    case 'text': {
      const c = column(data, path, (x) => isInt(x) && (x as number) >= 0 && (x as number) < strings.length);
      return { next: () => strings[c.take() as number], done: c.done };
    }
    case 'enum': {
      const values = shape.values;
      const c = column(data, path, (x) => isInt(x) && (x as number) >= 0 && (x as number) < values.length);
      return { next: () => values[c.take() as number], done: c.done };
    }
    case 'coord': {
      const [values, exact] = isArray(data, path);
      const c = column(values, path, isInt);
      const table = isRecord(exact, path);
      let i = 0;
      return {
        next: () => {
          const scaled = c.take() as number;
          const own = table[i++];
          if (own !== undefined) return isNum(own) ? own : fail(`${path} holds a bad value`);
          return scaled / COORD_SCALE;
        },
        done: c.done,
      };
    }
    case 'time': {
      const [values, verbatim] = isArray(data, path);
      const c = column(values, path, isInt);
      const table = isRecord(verbatim, path);
      let i = 0;
      let previous = 0;
      return {
        next: () => {
          const delta = c.take() as number;
          const own = table[i++];
          if (own !== undefined) return typeof own === 'string' ? own : fail(`${path} holds a bad value`);
          previous += delta;
          const d = new Date(previous);
          return Number.isNaN(d.getTime()) ? fail(`${path} holds a bad time`) : d.toISOString();
        },
        done: c.done,
      };
    }
    case 'nullable': {
      const [present, inner] = isArray(data, path);
      const p = column(present, path, (x) => x === 0 || x === 1);
      const r = reader(shape.of, inner, strings, path);
      return { next: () => (p.take() === 1 ? r.next() : null), done: () => p.done() && r.done() };
    }
    case 'obj': {
      const keys = Object.keys(shape.fields);
      const parts = isArray(data, path);
      if (parts.length !== keys.length) fail(`${path} has ${parts.length} columns, not ${keys.length}`);
      const readers = keys.map((key, i) => [key, reader(shape.fields[key]!, parts[i], strings, `${path}.${key}`)] as const);
      return {
        next: () => {
          const o: Record<string, unknown> = {};
          for (const [key, r] of readers) o[key] = r.next();
          return o;
        },
        done: () => readers.every(([, r]) => r.done()),
      };
    }
    case 'arr': {
      const [lengths, items] = isArray(data, path);
      const l = column(lengths, path, (x) => isInt(x) && (x as number) >= 0);
      const r = reader(shape.of, items, strings, `${path}[]`);
      return {
        next: () => {
          const n = l.take() as number;
          const out: unknown[] = [];
          for (let i = 0; i < n; i++) out.push(r.next());
          return out;
        },
        done: () => l.done() && r.done(),
      };
    }
  }
}

/** Decodes what `encodeViews` made; throws `PackedViewsError` on anything else. */
export function decodeViews(packed: unknown): GroupView[] {
  const p = isRecord(packed, 'the packed views');
  if (p['format'] !== PACKED_VIEWS_FORMAT) fail(`format ${String(p['format'])} is not ${PACKED_VIEWS_FORMAT}`);
  const strings = isArray(p['strings'], 'strings');
  if (!strings.every((s) => typeof s === 'string')) fail('strings holds a bad value');
  const kinds = column(p['kinds'], 'kinds', (x) => x === 0 || x === 1);
  const count = p['count'];
  if (!isInt(count) || (count as number) < 0) fail('count is not a count');
  const full = reader(FULL_SHAPE, p['full'], strings as string[], 'full');
  const reduced = reader(REDUCED_SHAPE, p['reduced'], strings as string[], 'reduced');
  const views: GroupView[] = new Array<GroupView>(count as number);
  for (let i = 0; i < (count as number); i++) {
    views[i] =
      kinds.take() === 0 ? { view: 'full', group: full.next() as Group } : { view: 'reduced', group: reduced.next() as GroupReduced };
  }
  if (!kinds.done() || !full.done() || !reduced.done()) fail('columns hold more values than the count');
  return views;
}

/** A long catch-up, packed the same way: each change's seq and kind, the upserted views packed, the removed ids. */
export interface PackedChanges {
  format: typeof PACKED_VIEWS_FORMAT;
  seqs: number[];
  /** 0 for an upsert (its view is the next in `views`), 1 for a removal (its id is the next in `removed`). */
  kinds: number[];
  views: PackedViews;
  removed: string[];
}

export function encodeChanges(changes: readonly ChangeEvent[]): PackedChanges {
  const views: GroupView[] = [];
  const removed: string[] = [];
  for (const c of changes) {
    if (c.kind === 'group.upsert') views.push(c.group);
    else removed.push(c.groupId);
  }
  return {
    format: PACKED_VIEWS_FORMAT,
    seqs: changes.map((c) => c.seq),
    kinds: changes.map((c) => (c.kind === 'group.upsert' ? 0 : 1)),
    views: encodeViews(views),
    removed,
  };
}

/** Decodes what `encodeChanges` made; throws `PackedViewsError` on anything else. */
export function decodeChanges(packed: unknown): ChangeEvent[] {
  const p = isRecord(packed, 'the packed changes');
  if (p['format'] !== PACKED_VIEWS_FORMAT) fail(`format ${String(p['format'])} is not ${PACKED_VIEWS_FORMAT}`);
  const seqs = isArray(p['seqs'], 'seqs');
  const kinds = isArray(p['kinds'], 'kinds');
  if (kinds.length !== seqs.length) fail('seqs and kinds differ in length');
  const views = decodeViews(p['views']);
  const removed = column(p['removed'], 'removed', (x) => typeof x === 'string' && UUID_RE.test(x));
  let v = 0;
  const out: ChangeEvent[] = seqs.map((seq, i) => {
    if (!isInt(seq) || (seq as number) < 1) fail('seqs holds a bad value');
    const kind = kinds[i];
    if (kind === 0) {
      const view = views[v++];
      return view ? { kind: 'group.upsert', seq: seq as number, group: view } : fail('fewer views than upserts');
    }
    if (kind === 1) return { kind: 'group.remove', seq: seq as number, groupId: removed.take() as string };
    return fail('kinds holds a bad value');
  });
  if (v !== views.length || !removed.done()) fail('more views or removals than changes');
  return out;
}
