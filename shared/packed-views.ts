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
  type GroupNationals,
  type GroupReduced,
  type GroupView,
} from './schemas/group.schema';
import { NEED_STATUSES, NEED_TYPES, type Need, type NeedType } from './schemas/need.schema';
import type { Assignment } from './schemas/assignment.schema';
import { ChangeEvent } from './schemas/sync.schema';
import { Site } from './schemas/site.schema';
import { Timestamp } from './ids';

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
 *
 * A big crisis's coordinator gets *summaries* instead of full views (`summarizeGroup`): what the
 * map, lists, filters, counters and 3W read, without the ids and texts only acting on one group
 * needs (need and assignment ids, notes, reporters). The client loads the full group when one is
 * selected.
 *
 * Format 2 (measured on the 100,000-group bench crisis, gzip per group): ids as one string of hex
 * (17.2 B per id instead of 19.9 as quoted JSON strings); `updatedAt` as its distance from the
 * same group's `seenAt` (2.5 B instead of 4.7: half the groups were last updated when last seen);
 * assignments' consular progress, which format 1 dropped, carried. Format 4: each group's admin
 * areas (p-codes and names, from the string table: a crisis has a few hundred of them). Format 5:
 * the site a group is at (its location's `siteId`, issue 20), in full and nationals views.
 */
export const PACKED_VIEWS_FORMAT = 5;

export interface PackedViews {
  format: typeof PACKED_VIEWS_FORMAT;
  count: number;
  /** The dictionary of repeated strings. */
  strings: string[];
  /** 0 for a full view, 1 for a reduced one, per view in order. */
  kinds: number[];
  full: unknown[];
  reduced: unknown[];
  /** The columns of the summaries (kind 2). */
  summary: unknown[];
  /** The columns of an embassy's nationals views (kind 3). */
  nationals: unknown[];
}

/**
 * What a summary keeps of an assignment: no ids, no note, no author; the need it is for named by
 * its type (a group lists each need type at most once), or null when the group no longer lists it.
 */
export interface AssignmentSummary {
  needType: NeedType | null;
  agencyId: string;
  status: Assignment['status'];
  peopleReached: number;
  expectedBy: string | null;
  updatedAt: string;
  consular?: Assignment['consular'];
}

/**
 * A full group minus what only acting on (or reading the details of) that one group needs: the
 * need ids, the assignments' ids, notes and authors, the notes, the reporter and the field teams
 * asked to follow up, the location's accuracy, the headcount's breakdown and the documents.
 */
export interface GroupSummary {
  id: string;
  location: Pick<Group['location'], 'lat' | 'lon' | 'placeName' | 'siteType'>;
  seenAt: string;
  reportedAt: string;
  updatedAt: string;
  headcount: Pick<Group['headcount'], 'total'>;
  nationalities: Group['nationalities'];
  vulnerabilities: Group['vulnerabilities'];
  intention: Group['intention'];
  consentConsulate: Group['consentConsulate'];
  protectionConcern: boolean;
  needs: Omit<Need, 'id'>[];
  crisisId: string;
  status: Group['status'];
  version: number;
  mergedInto: string | null;
  assignments: AssignmentSummary[];
  /** The admin areas: the coordinator's filters, counters and 3W go by them. */
  admin: Group['admin'];
}

/** A summary as the packed views carry it. */
export interface SummaryView {
  view: 'summary';
  group: GroupSummary;
}
/** One view of the packed views: a full or reduced view as `projectGroup` made it, or a full one summarised. */
export type PackedView = GroupView | SummaryView;

/**
 * The shape `summarizeGroup` makes, as stored beside each group row (server migration 007). Bump it
 * whenever `summarizeGroup` or `GroupSummary` changes: rows of an older shape are then summarized
 * from their data again instead of read.
 */
export const GROUP_SUMMARY_FORMAT = 2;

/**
 * The summary of a full view's group: fields dropped, nothing added (an assignment's need is named
 * by the type of the group's own need). Only ever called on `projectGroup` output.
 */
export function summarizeGroup(g: Group): GroupSummary {
  const needType = (needId: string) => g.needs.find((n) => n.id === needId)?.type ?? null;
  return {
    id: g.id,
    location: { lat: g.location.lat, lon: g.location.lon, placeName: g.location.placeName, siteType: g.location.siteType },
    seenAt: g.seenAt,
    reportedAt: g.reportedAt,
    updatedAt: g.updatedAt,
    headcount: { total: g.headcount.total },
    nationalities: g.nationalities,
    vulnerabilities: g.vulnerabilities,
    intention: g.intention,
    consentConsulate: g.consentConsulate,
    protectionConcern: g.protectionConcern,
    needs: g.needs.map((n) => ({ type: n.type, severity: n.severity, people: n.people, status: n.status })),
    crisisId: g.crisisId,
    status: g.status,
    version: g.version,
    mergedInto: g.mergedInto,
    assignments: g.assignments.map((a) => ({
      needType: needType(a.needId),
      agencyId: a.agencyId,
      status: a.status,
      peopleReached: a.peopleReached,
      expectedBy: a.expectedBy,
      updatedAt: a.updatedAt,
      ...(a.consular ? { consular: a.consular } : {}),
    })),
    admin: g.admin,
  };
}

/** A full view summarised; any other view as it is. */
export function summarizeView(view: GroupView): PackedView {
  return view.view === 'full' ? { view: 'summary', group: summarizeGroup(view.group) } : view;
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
  /** `rel`: written as the distance from the same object's field of that name (a time written before it). */
  | { k: 'time'; rel?: string }
  | { k: 'nullable'; of: Shape }
  /** Absent (the key left out) or present. */
  | { k: 'optional'; of: Shape }
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
const optional = (of: Shape): Shape => ({ k: 'optional', of });
const timeSince = (rel: string): Shape => ({ k: 'time', rel });
const consular = obj({ documentsIssued: int, registeredForEvacuation: int, evacuated: int });
const counts = (keys: readonly string[]): Shape => obj(Object.fromEntries(keys.map((key) => [key, int])));
const areaRef = nullable(obj({ pcode: text, name: text }));
const ADMIN_SHAPE = obj({ admin1: areaRef, admin2: areaRef });

/** Every field of `Assignment`. */
const ASSIGNMENT_SHAPE = obj({
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
  consular: optional(consular),
});

/** Every field of `Group`, in the schema's order. A test checks this against the schema. */
export const FULL_SHAPE = obj({
  id: uuid,
  location: obj({ lat: coord, lon: coord, accuracyM: nullable({ k: 'num' }), placeName: text, siteType: oneOf(SITE_TYPES), siteId: nullable(uuid) }),
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
  // Last updated is often when last seen (half the bench's groups): written as the distance from it.
  updatedAt: timeSince('seenAt'),
  mergedInto: nullable(uuid),
  assignments: arr(ASSIGNMENT_SHAPE),
  followUpBy: arr(text),
  admin: ADMIN_SHAPE,
});

/** Every field of `GroupSummary`. */
export const SUMMARY_SHAPE = obj({
  id: uuid,
  location: obj({ lat: coord, lon: coord, placeName: text, siteType: oneOf(SITE_TYPES) }),
  reportedAt: time,
  seenAt: time,
  updatedAt: timeSince('seenAt'),
  headcount: obj({ total: int }),
  nationalities: arr(obj({ code: text, count: int })),
  vulnerabilities: counts(VULNERABILITIES),
  intention: oneOf(INTENTIONS),
  consentConsulate: oneOf(CONSENT_VALUES),
  protectionConcern: bool,
  needs: arr(obj({ type: oneOf(NEED_TYPES), severity: int, people: int, status: oneOf(NEED_STATUSES) })),
  crisisId: text,
  status: oneOf(GROUP_STATUSES),
  version: int,
  mergedInto: nullable(uuid),
  assignments: arr(
    obj({
      needType: nullable(oneOf(NEED_TYPES)),
      agencyId: text,
      status: oneOf(ASSIGNMENT_STATUSES),
      peopleReached: int,
      expectedBy: nullable(time),
      updatedAt: time,
      consular: optional(consular),
    }),
  ),
  admin: ADMIN_SHAPE,
});

/** Every field of `GroupNationals`: an embassy's part of a group, nothing more. */
export const NATIONALS_SHAPE = obj({
  id: uuid,
  crisisId: text,
  version: int,
  status: oneOf(GROUP_STATUSES),
  location: obj({ lat: coord, lon: coord, accuracyM: nullable({ k: 'num' }), placeName: text, siteType: oneOf(SITE_TYPES), siteId: nullable(uuid) }),
  seenAt: time,
  reportedAt: time,
  updatedAt: timeSince('seenAt'),
  nationality: text,
  nationals: int,
  intention: oneOf(INTENTIONS),
  needs: arr(obj({ id: uuid, type: oneOf(NEED_TYPES), severity: int, status: oneOf(NEED_STATUSES) })),
  assignments: arr(ASSIGNMENT_SHAPE),
  admin: ADMIN_SHAPE,
  whole: nullable(
    obj({
      headcount: obj({ total: int, female: counts(AGE_BANDS), male: counts(AGE_BANDS) }),
      vulnerabilities: counts(VULNERABILITIES),
      documents: counts(DOCUMENT_STATES),
      notes: text,
    }),
  ),
});

/** Every field of `GroupReduced`: the anonymous point, nothing more. */
export const REDUCED_SHAPE = obj({ id: uuid, lat: coord, lon: coord, status: oneOf(GROUP_STATUSES), needTypes: arr(oneOf(NEED_TYPES)), version: int });

const COORD_SCALE = 1e5;

// ---------------------------------------------------------------------------------------------
// Encoding: a tree of column writers mirroring the shape.

interface Writer {
  push(value: unknown): void;
  finish(): unknown;
  /** A time column: the milliseconds of the value it wrote last, or null when that one was kept verbatim. */
  lastMs?: () => number | null;
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

/** A UUID as `Uuid` stores them: lower-case, with dashes. Any other spelling is carried verbatim. */
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const exactTime = (s: unknown): number | null => {
  if (typeof s !== 'string') return null;
  const ms = Date.parse(s);
  return Number.isFinite(ms) && new Date(ms).toISOString() === s ? ms : null;
};

/** `siblings`: the writers of the fields before this one in the same object (a `rel` time reads its reference's). */
function writer(shape: Shape, strings: Strings, siblings?: ReadonlyMap<string, Writer>): Writer {
  switch (shape.k) {
    case 'uuid': {
      // One string of 32 hex digits per id, no dashes, quotes or commas; an id spelt otherwise
      // (not as `Uuid` stores them) is kept as it is, by its index.
      const hex: string[] = [];
      const verbatim: Record<number, string> = {};
      let i = 0;
      return {
        push: (v) => {
          const s = v as string;
          if (CANONICAL_UUID.test(s)) hex.push(s.slice(0, 8) + s.slice(9, 13) + s.slice(14, 18) + s.slice(19, 23) + s.slice(24));
          else verbatim[i] = s;
          i++;
        },
        finish: () => [hex.join(''), verbatim],
      };
    }
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
      // Milliseconds, as a delta from the column's previous value (times cluster, so deltas are
      // short) or, with `rel`, from the same object's reference time; a string that is not what
      // toISOString() makes (or whose reference is not) is kept as it is.
      const column: number[] = [];
      const verbatim: Record<number, string> = {};
      const rel = shape.rel;
      const reference = rel === undefined ? undefined : siblings?.get(rel)?.lastMs;
      if (rel !== undefined && !reference) throw new Error(`packed views: a time counts from ${rel}, which is not a time before it`);
      let previous = 0;
      let last: number | null = null;
      return {
        push: (v) => {
          const ms = exactTime(v);
          const base = reference === undefined ? previous : reference();
          // A distance too long for a safe integer (times thousands of years apart) is kept verbatim too.
          if (ms !== null && base !== null && Number.isSafeInteger(ms - base)) {
            column.push(ms - base);
            if (reference === undefined) previous = ms;
            last = ms;
          } else {
            verbatim[column.length] = v as string;
            column.push(0);
            last = null;
          }
        },
        finish: () => [column, verbatim],
        lastMs: () => last,
      };
    }
    case 'nullable':
    case 'optional': {
      const absent = shape.k === 'nullable' ? null : undefined;
      const present: number[] = [];
      const inner = writer(shape.of, strings, siblings);
      return {
        push: (v) => {
          present.push(v === absent ? 0 : 1);
          if (v !== absent) inner.push(v);
        },
        finish: () => [present, inner.finish()],
      };
    }
    case 'obj': {
      const fields = new Map<string, Writer>();
      const entries = Object.entries(shape.fields).map(([key, field]) => {
        const w = writer(field, strings, fields);
        fields.set(key, w);
        return [key, w] as const;
      });
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

/** Encodes views in order. Call it only on `projectGroup` output (or `summarizeView` of it). */
export function encodeViews(views: Iterable<PackedView>): PackedViews {
  const encoder = new ViewsEncoder();
  for (const view of views) encoder.push(view);
  return encoder.finish();
}

/**
 * Encodes views one at a time, as they come (a server reads a big crisis page by page and keeps
 * only the columns, never every view at once). `finish` once, at the end.
 */
export class ViewsEncoder {
  readonly #strings = new Strings();
  readonly #full = writer(FULL_SHAPE, this.#strings);
  readonly #reduced = writer(REDUCED_SHAPE, this.#strings);
  readonly #summary = writer(SUMMARY_SHAPE, this.#strings);
  readonly #nationals = writer(NATIONALS_SHAPE, this.#strings);
  readonly #kinds: number[] = [];

  push(view: PackedView): void {
    switch (view.view) {
      case 'full':
        this.#kinds.push(0);
        this.#full.push(view.group);
        break;
      case 'reduced':
        this.#kinds.push(1);
        this.#reduced.push(view.group);
        break;
      case 'summary':
        this.#kinds.push(2);
        this.#summary.push(view.group);
        break;
      case 'nationals':
        this.#kinds.push(3);
        this.#nationals.push(view.group);
        break;
    }
  }

  finish(): PackedViews {
    return {
      format: PACKED_VIEWS_FORMAT,
      count: this.#kinds.length,
      strings: this.#strings.list,
      kinds: this.#kinds,
      full: this.#full.finish() as unknown[],
      reduced: this.#reduced.finish() as unknown[],
      summary: this.#summary.finish() as unknown[],
      nationals: this.#nationals.finish() as unknown[],
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding: a tree of column readers, each checking what it reads. Each column is checked whole,
// in one tight loop, before any of it is read (a check per value read, through closures, took most
// of the decode: 1.2 s for 100,000 summaries); reading then only indexes.

interface Reader {
  next(): unknown;
  /** True when every value of the column was read (a column longer than its count is refused). */
  done(): boolean;
  /** A time column: the milliseconds of the value it read last, or null when that one was kept verbatim. */
  lastMs?: () => number | null;
}

const fail = (what: string): never => {
  throw new PackedViewsError(`packed views: ${what}`);
};
const isArray = (v: unknown, what: string): unknown[] => (Array.isArray(v) ? v : fail(`${what} is not a list`));
const isRecord = (v: unknown, what: string): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(`${what} is not a table`);
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** What `Uuid` (zod's uuid) accepts in any letter case: a verbatim id must still be one. */
const ANY_CASE_UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_LENGTH = 36;

/**
 * Ids written as one string of lowercase hex, 32 digits each, as one string of the same ids with
 * their dashes, 36 characters each; null if any character is not a lowercase hex digit. Each id is
 * then a slice of it (which keeps that string alive while any id is held: 3.6 MB per 100,000).
 * Why: spelt out one by one (five slices and a join per id), reading a 100,000-group snapshot's
 * map points took a median 303-323 ms in Node; this way 198-232 ms (the whole decode 876-963 ms,
 * now 701-820), about 30 ms of it here.
 */
function dashedIds(hex: string): string | null {
  const out = new Uint8Array((hex.length / 32) * UUID_LENGTH);
  let o = 0;
  for (let i = 0; i < hex.length; i++) {
    const c = hex.charCodeAt(i);
    // 0-9, a-f
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return null;
    const k = i % 32;
    if (k === 8 || k === 12 || k === 16 || k === 20) out[o++] = 45; // '-'
    out[o++] = c;
  }
  return ASCII.decode(out);
}
const ASCII = new TextDecoder();

/**
 * A column of numbers: a list (JSON) or a typed array (shared/packed-bytes.ts). True in `whole`
 * when its type holds only integers, so they need no check of their own, only of their range.
 */
function column(v: unknown, what: string): { values: ArrayLike<unknown>; whole: boolean } {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView))
    return { values: v as unknown as ArrayLike<number>, whole: !(v instanceof Float64Array || v instanceof Float32Array) };
  return { values: isArray(v, what), whole: false };
}

/** A column of integers, each checked (safe integer, and within [min, max)) before any is read. */
function ints(
  v: unknown,
  what: string,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): { values: ArrayLike<number>; take(): number; done(): boolean } {
  const { values, whole } = column(v, what);
  if (whole) {
    for (let j = 0; j < values.length; j++) {
      const x = values[j] as number;
      if (x < min || x >= max) fail(`${what} holds a bad value`);
    }
  } else {
    for (let j = 0; j < values.length; j++) {
      const x = values[j];
      if (!Number.isSafeInteger(x) || (x as number) < min || (x as number) >= max) fail(`${what} holds a bad value`);
    }
  }
  let i = 0;
  const n = values.length;
  return {
    values: values as ArrayLike<number>,
    take: () => (i < n ? (values[i++] as number) : fail(`${what} ends early`)),
    done: () => i === n,
  };
}

/** A table of values kept as they are, by index: each must pass `check` and be read exactly once. */
function verbatimTable(v: unknown, what: string, check: (x: unknown) => boolean): { at(i: number): unknown; done(): boolean } {
  const table = isRecord(v, what);
  const keys = Object.keys(table);
  for (const key of keys) if (!check(table[key])) fail(`${what} holds a bad value`);
  const size = keys.length;
  let used = 0;
  return {
    at: (i) => {
      if (size === 0) return undefined;
      const own = table[i];
      if (own !== undefined) used++;
      return own;
    },
    done: () => used === size,
  };
}

const isInt = (x: unknown) => Number.isSafeInteger(x);
const FIRST_TIME_MS = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_TIME_MS = Date.parse('9999-12-31T23:59:59.999Z');
const isNum = (x: unknown) => typeof x === 'number' && Number.isFinite(x);

/**
 * The fields of an object shape to read, the others' columns left unread (`decodeViewPoints`):
 * `true` for a whole field, a nested pick for an object's (or an array's items') own fields.
 */
type ColumnPick = { readonly [field: string]: true | ColumnPick };

/**
 * `siblings`: the readers of the fields before this one in the same object (a `rel` time reads its
 * reference's). `pick`: read only these fields of the object shapes (every value read is checked
 * as ever; the columns not read are not looked at).
 */
function reader(shape: Shape, data: unknown, strings: readonly string[], path: string, siblings?: ReadonlyMap<string, Reader>, pick?: ColumnPick): Reader {
  switch (shape.k) {
    case 'uuid': {
      const [hex, verbatim] = isArray(data, path);
      const ids = typeof hex === 'string' && hex.length % 32 === 0 ? dashedIds(hex) : null;
      if (ids === null) return fail(`${path} is not ids in hex`);
      const own = verbatimTable(verbatim, path, (x) => typeof x === 'string' && ANY_CASE_UUID_RE.test(x));
      let i = 0;
      let at = 0;
      return {
        next: () => {
          const kept = own.at(i++);
          if (kept !== undefined) return kept;
          if (at >= ids.length) fail(`${path} ends early`);
          const a = at;
          at += UUID_LENGTH;
          return ids.slice(a, at);
        },
        done: () => at === ids.length && own.done(),
      };
    }
    case 'int': {
      const c = ints(data, path);
      return { next: c.take, done: c.done };
    }
    case 'num': {
      const { values } = column(data, path);
      for (let j = 0; j < values.length; j++) if (!isNum(values[j])) fail(`${path} holds a bad value`);
      let i = 0;
      return { next: () => (i < values.length ? values[i++] : fail(`${path} ends early`)), done: () => i === values.length };
    }
    case 'bool': {
      const c = ints(data, path, 0, 2);
      return { next: () => c.take() === 1, done: c.done };
    }
    case 'text': {
      const c = ints(data, path, 0, strings.length);
      return { next: () => strings[c.take()], done: c.done };
    }
    case 'enum': {
      const values = shape.values;
      const c = ints(data, path, 0, values.length);
      return { next: () => values[c.take()], done: c.done };
    }
    case 'coord': {
      const [values, exact] = isArray(data, path);
      const c = ints(values, path);
      const own = verbatimTable(exact, path, isNum);
      let i = 0;
      return {
        next: () => {
          const scaled = c.take();
          const kept = own.at(i++);
          return kept !== undefined ? kept : scaled / COORD_SCALE;
        },
        done: () => c.done() && own.done(),
      };
    }
    case 'time': {
      const [values, verbatim] = isArray(data, path);
      const c = ints(values, path);
      // Kept verbatim: a time the shared schema takes but toISOString does not write (no milliseconds, say).
      const own = verbatimTable(verbatim, path, (x) => Timestamp.safeParse(x).success);
      const rel = shape.rel;
      const reference = rel === undefined ? undefined : siblings?.get(rel)?.lastMs;
      if (rel !== undefined && !reference) throw new Error(`packed views: ${path} counts from ${rel}, which is not a time before it`);
      let i = 0;
      let previous = 0;
      let last: number | null = null;
      return {
        next: () => {
          const delta = c.take();
          const kept = own.at(i++);
          if (kept !== undefined) {
            last = null;
            return kept;
          }
          let ms: number;
          if (reference === undefined) ms = previous += delta;
          else {
            const base = reference();
            ms = base === null ? fail(`${path} has no time to count from`) : base + delta;
          }
          last = ms;
          // Years 0 to 9999, as the Timestamp schema takes them (toISOString writes others as ±YYYYYY).
          return ms >= FIRST_TIME_MS && ms <= LAST_TIME_MS ? new Date(ms).toISOString() : fail(`${path} holds a bad time`);
        },
        done: () => c.done() && own.done(),
        lastMs: () => last,
      };
    }
    case 'nullable':
    case 'optional': {
      const absent = shape.k === 'nullable' ? null : undefined;
      const [present, inner] = isArray(data, path);
      const p = ints(present, path, 0, 2);
      const r = reader(shape.of, inner, strings, path, siblings, pick);
      return { next: () => (p.take() === 1 ? r.next() : absent), done: () => p.done() && r.done() };
    }
    case 'obj': {
      const all = Object.keys(shape.fields);
      const parts = isArray(data, path);
      if (parts.length !== all.length) fail(`${path} has ${parts.length} columns, not ${all.length}`);
      const keys = pick ? all.filter((key) => pick[key] !== undefined) : all;
      const fields = new Map<string, Reader>();
      const readers = keys.map((key) => {
        const inner = pick?.[key];
        const r = reader(shape.fields[key]!, parts[all.indexOf(key)], strings, `${path}.${key}`, fields, inner === true ? undefined : inner);
        fields.set(key, r);
        return r;
      });
      const n = keys.length;
      return {
        next: () => {
          const o: Record<string, unknown> = {};
          for (let i = 0; i < n; i++) {
            const value = readers[i]!.next();
            // An optional field absent: the key is left out, as it was.
            if (value !== undefined) o[keys[i]!] = value;
          }
          return o;
        },
        done: () => readers.every((r) => r.done()),
      };
    }
    case 'arr': {
      const [lengths, items] = isArray(data, path);
      const l = ints(lengths, path, 0);
      const r = reader(shape.of, items, strings, `${path}[]`, undefined, pick);
      return {
        next: () => {
          const n = l.take();
          const out: unknown[] = new Array<unknown>(n);
          for (let i = 0; i < n; i++) out[i] = r.next();
          return out;
        },
        done: () => l.done() && r.done(),
      };
    }
  }
}

/** The four column sets of the packed views, one per kind of view. */
type PackedKind = 'full' | 'reduced' | 'summary' | 'nationals';

/** The four readers of the packed views (each shape's columns, or only `picks`' of them) and the kind of each view. */
function viewReaders(packed: unknown, picks?: Readonly<Record<PackedKind, ColumnPick>>) {
  const p = isRecord(packed, 'the packed views');
  if (p['format'] !== PACKED_VIEWS_FORMAT) fail(`format ${String(p['format'])} is not ${PACKED_VIEWS_FORMAT}`);
  const strings = isArray(p['strings'], 'strings');
  if (!strings.every((s) => typeof s === 'string')) fail('strings holds a bad value');
  const kinds = ints(p['kinds'], 'kinds', 0, 4);
  const count = p['count'];
  if (!isInt(count) || (count as number) < 0) fail('count is not a count');
  const read = (shape: Shape, key: PackedKind) => reader(shape, p[key], strings as string[], key, undefined, picks?.[key]);
  return {
    count: count as number,
    kinds,
    full: read(FULL_SHAPE, 'full'),
    reduced: read(REDUCED_SHAPE, 'reduced'),
    summary: read(SUMMARY_SHAPE, 'summary'),
    nationals: read(NATIONALS_SHAPE, 'nationals'),
  };
}

/** Packed views read one at a time: `next` decodes the next view, `finish` refuses columns with values left over. */
function viewDecoder(packed: unknown): { count: number; next(): PackedView; finish(): void } {
  const { count, kinds, full, reduced, summary, nationals } = viewReaders(packed);
  return {
    count,
    next: () => {
      const kind = kinds.take();
      return kind === 0
        ? { view: 'full', group: full.next() as Group }
        : kind === 1
          ? { view: 'reduced', group: reduced.next() as GroupReduced }
          : kind === 2
            ? { view: 'summary', group: summary.next() as GroupSummary }
            : { view: 'nationals', group: nationals.next() as GroupNationals };
    },
    finish: () => {
      if (!kinds.done() || !full.done() || !reduced.done() || !summary.done() || !nationals.done()) fail('columns hold more values than the count');
    },
  };
}

/** Decodes what `encodeViews` made; throws `PackedViewsError` on anything else. */
export function decodeViews(packed: unknown): PackedView[] {
  const decoder = viewDecoder(packed);
  const views: PackedView[] = new Array<PackedView>(decoder.count);
  for (let i = 0; i < decoder.count; i++) views[i] = decoder.next();
  decoder.finish();
  return views;
}

/** How many views `decodeViewsInSlices` decodes between two looks at the clock. */
const VIEWS_PER_CLOCK_LOOK = 512;

/**
 * `decodeViews` in slices of about `sliceMs`, awaiting `pause()` between them: the same views and
 * the same refusals, but a big crisis no longer holds the page in one task while it is decoded
 * (1.5 s for 100,000 groups on a 2-core laptop): a person's input is answered and frames are
 * drawn meanwhile. `now` is the clock (a test's own).
 */
export async function decodeViewsInSlices(
  packed: unknown,
  pause: () => Promise<void>,
  sliceMs: number,
  now: () => number = () => performance.now(),
): Promise<PackedView[]> {
  const decoder = viewDecoder(packed);
  const views: PackedView[] = new Array<PackedView>(decoder.count);
  let sliceStart = now();
  for (let i = 0; i < decoder.count; i++) {
    views[i] = decoder.next();
    if (i % VIEWS_PER_CLOCK_LOOK === VIEWS_PER_CLOCK_LOOK - 1 && i < decoder.count - 1 && now() - sliceStart >= sliceMs) {
      await pause();
      sliceStart = now();
    }
  }
  decoder.finish();
  return views;
}

/** An assignment as far as a point's ring reads it (`attentionOf`): which need, its status, when it is due. */
export type PointAssignment = Pick<Assignment, 'needId' | 'status' | 'expectedBy'> | Pick<AssignmentSummary, 'needType' | 'status' | 'expectedBy'>;
/** A need as far as a point's ring reads it: its type and status, and its id where the view has one. */
export type PointNeed = Pick<Need, 'type' | 'status'> & { id?: string };

/**
 * What a map point is drawn from, in each kind of view: its position, status, people and what
 * rings it. Every `HeldView` is one (the map draws those); `decodeViewPoints` reads only these
 * fields of packed views. A type of its own, so nothing takes it for a whole view.
 */
export type PointView =
  | {
      view: 'full' | 'summary';
      group: {
        id: string;
        status: Group['status'];
        location: { lat: number; lon: number };
        headcount: { total: number };
        needs: readonly PointNeed[];
        assignments: readonly PointAssignment[];
      };
    }
  | { view: 'nationals'; group: { id: string; status: Group['status']; location: { lat: number; lon: number }; nationals: number } }
  | { view: 'reduced'; group: { id: string; status: Group['status']; lat: number; lon: number } };

const LAT_LON: ColumnPick = { lat: true, lon: true };
/** The columns `decodeViewPoints` reads, per kind: `PointView`'s fields. */
const POINT_PICKS = {
  full: {
    id: true,
    status: true,
    location: LAT_LON,
    headcount: { total: true },
    needs: { id: true, type: true, status: true },
    assignments: { needId: true, status: true, expectedBy: true },
  },
  summary: {
    id: true,
    status: true,
    location: LAT_LON,
    headcount: { total: true },
    needs: { type: true, status: true },
    assignments: { needType: true, status: true, expectedBy: true },
  },
  nationals: { id: true, status: true, location: LAT_LON, nationals: true },
  reduced: { id: true, status: true, lat: true, lon: true },
} as const satisfies Record<PackedKind, ColumnPick>;

/**
 * The map's points of packed views, read from their columns alone (a fraction of a full decode):
 * a big crisis's map can be handed its points while the rest is decoded (SyncClient). Each value
 * read is checked as `decodeViews` checks it; the columns it does not read are left to the full
 * decode, which must follow before anything else of these views is trusted.
 */
export function decodeViewPoints(packed: unknown): PointView[] {
  const { count, kinds, full, reduced, summary, nationals } = viewReaders(packed, POINT_PICKS);
  const points: PointView[] = new Array<PointView>(count);
  for (let i = 0; i < count; i++) {
    const kind = kinds.take();
    points[i] =
      kind === 0 || kind === 2
        ? ({ view: kind === 0 ? 'full' : 'summary', group: (kind === 0 ? full : summary).next() } as PointView)
        : kind === 1
          ? ({ view: 'reduced', group: reduced.next() } as PointView)
          : ({ view: 'nationals', group: nationals.next() } as PointView);
  }
  return points;
}

/** A long catch-up, packed the same way: each change's seq and kind, the upserted views packed, the removed ids. */
export interface PackedChanges {
  format: typeof PACKED_VIEWS_FORMAT;
  seqs: number[];
  /**
   * 0 for an upsert (its view is the next in `views`), 1 for a removal (its id is the next in
   * `removed`), 2 for a site's upsert (the next in `sites`), 3 for a movement's change (the next in
   * `others`, as it is).
   */
  kinds: number[];
  views: PackedViews;
  removed: string[];
  /** Sites as they are (issue 20); absent when the batch holds none. */
  sites?: Site[];
  /** Movement changes (issue 20): a few per crisis, sent whole rather than in columns; absent when the batch holds none. */
  others?: ChangeEvent[];
}

export function encodeChanges(changes: readonly ChangeEvent[]): PackedChanges {
  const views: GroupView[] = [];
  const removed: string[] = [];
  const sites: Site[] = [];
  const others: ChangeEvent[] = [];
  const kinds: number[] = [];
  for (const c of changes) {
    switch (c.kind) {
      case 'group.upsert':
        views.push(c.group);
        kinds.push(0);
        break;
      case 'group.remove':
        removed.push(c.groupId);
        kinds.push(1);
        break;
      case 'site.upsert':
        // Sites are few and change seldom: carried as they are, beside the columns.
        sites.push(c.site);
        kinds.push(2);
        break;
      case 'movement.upsert':
      case 'movement.remove':
        // Movements likewise: a few per crisis, sent whole.
        others.push(c);
        kinds.push(3);
        break;
    }
  }
  return {
    format: PACKED_VIEWS_FORMAT,
    seqs: changes.map((c) => c.seq),
    kinds,
    views: encodeViews(views),
    removed,
    ...(sites.length > 0 ? { sites } : {}),
    ...(others.length > 0 ? { others } : {}),
  };
}

/** A movement change of a packed batch, checked with the shared schema (kind 3 holds a movement's change only). */
function otherChange(value: unknown): ChangeEvent {
  const parsed = ChangeEvent.safeParse(value);
  if (!parsed.success || (parsed.data.kind !== 'movement.upsert' && parsed.data.kind !== 'movement.remove')) return fail('others holds a bad value');
  return parsed.data;
}

/** Decodes what `encodeChanges` made; throws `PackedViewsError` on anything else. */
export function decodeChanges(packed: unknown): ChangeEvent[] {
  const p = isRecord(packed, 'the packed changes');
  if (p['format'] !== PACKED_VIEWS_FORMAT) fail(`format ${String(p['format'])} is not ${PACKED_VIEWS_FORMAT}`);
  const seqs = Array.from(column(p['seqs'], 'seqs').values);
  const kinds = Array.from(column(p['kinds'], 'kinds').values);
  if (kinds.length !== seqs.length) fail('seqs and kinds differ in length');
  // A change always carries the view itself, never a summary.
  const views = decodeViews(p['views']).map((view) => (view.view === 'summary' ? fail('a change holds a summary') : view));
  const removed = isArray(p['removed'], 'removed');
  if (!removed.every((x) => typeof x === 'string' && UUID_RE.test(x))) fail('removed holds a bad value');
  const siteList = p['sites'] === undefined ? [] : isArray(p['sites'], 'sites');
  const others = p['others'] === undefined ? [] : isArray(p['others'], 'others').map((o) => otherChange(o));
  let r = 0;
  let v = 0;
  let st = 0;
  let o = 0;
  const out: ChangeEvent[] = seqs.map((seq, i) => {
    if (!isInt(seq) || (seq as number) < 1) fail('seqs holds a bad value');
    const kind = kinds[i];
    if (kind === 0) {
      const view = views[v++];
      return view ? { kind: 'group.upsert', seq: seq as number, group: view } : fail('fewer views than upserts');
    }
    if (kind === 1) return { kind: 'group.remove', seq: seq as number, groupId: r < removed.length ? (removed[r++] as string) : fail('removed ends early') };
    if (kind === 2) {
      const site = Site.safeParse(st < siteList.length ? siteList[st++] : fail('sites ends early'));
      return site.success ? { kind: 'site.upsert', seq: seq as number, site: site.data } : fail('sites holds a bad value');
    }
    if (kind === 3) {
      const other = o < others.length ? others[o++]! : fail('others ends early');
      return other.seq === seq ? other : fail('an other change holds another seq');
    }
    return fail('kinds holds a bad value');
  });
  if (v !== views.length || r !== removed.length || st !== siteList.length || o !== others.length) fail('more views, removals, sites or others than changes');
  return out;
}

/**
 * A shared live batch with one user's own changes laid over it (`changesPacked`'s second argument):
 * each own change replaces the shared one of the same sequence number, or joins the batch where the
 * shared one was nothing; in sequence order. How a field phone gets its own groups in full inside
 * the batch every field phone shares, without a second encoding per phone.
 */
export function overlayChanges(shared: readonly ChangeEvent[], own: readonly ChangeEvent[]): ChangeEvent[] {
  if (own.length === 0) return [...shared];
  const mine = new Map(own.map((change) => [change.seq, change]));
  return [...shared.filter((change) => !mine.has(change.seq)), ...own].sort((a, b) => a.seq - b.seq);
}
