import { PackedViewsError, type PackedChanges, type PackedViews } from './packed-views';

/**
 * The bytes packed views and changes travel (and are kept on a device) as, before gzip: their
 * number columns as typed arrays, each of the narrowest type that holds it, and the rest (the
 * string table, ids in hex, values kept verbatim, sites and movements) as JSON.
 *
 * Why: a 100,000-group snapshot was 15.4 MB of JSON. Gunzipping it to text and JSON.parse took
 * 1.1 s of the coordinator page's main thread in a cold start (profile, 2026-12-07): 0.7 s to
 * the text, 0.46 s to parse numbers that were then checked one by one. As typed arrays it is
 * 9.9 MB (gzipped 4.64 MB against 4.87), and in Node gunzip and unpack take 80 ms against 410-480.
 *
 * Layout: the 4 bytes "WMPK", the JSON's length in bytes (uint32, little-endian), the JSON (UTF-8),
 * zero bytes to a multiple of 8, then the columns. In the JSON, a column is `{"$": type, "o":
 * offset, "n": length}`, the offset counted from the first column's byte and a multiple of its
 * type's size. Only the column trees are converted (`kinds`, `seqs`, and the four view kinds'
 * columns): a site's or movement's own numbers stay JSON, as their schemas read them.
 */
const MAGIC = [0x57, 0x4d, 0x50, 0x4b]; // "WMPK"
const HEADER = 8;

/** The typed arrays a column may be, by name. */
const TYPES = {
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float64Array,
} as const;
type TypeName = keyof typeof TYPES;
/** A number column as it is read back: a plain array (JSON) or a typed array (these bytes). */
export type NumberColumn = ArrayLike<number>;

interface Marker {
  $: TypeName;
  o: number;
  n: number;
}

/** The narrowest type that holds every value of a column exactly. */
function typeOf(values: readonly number[]): TypeName {
  let lo = Infinity;
  let hi = -Infinity;
  let whole = true;
  for (const x of values) {
    if (!Number.isInteger(x)) whole = false;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (!whole) return 'Float64Array';
  if (lo >= 0) return hi < 2 ** 8 ? 'Uint8Array' : hi < 2 ** 16 ? 'Uint16Array' : hi < 2 ** 32 ? 'Uint32Array' : 'Float64Array';
  if (lo >= -(2 ** 7) && hi < 2 ** 7) return 'Int8Array';
  if (lo >= -(2 ** 15) && hi < 2 ** 15) return 'Int16Array';
  return lo >= -(2 ** 31) && hi < 2 ** 31 ? 'Int32Array' : 'Float64Array';
}

class ColumnWriter {
  readonly #parts: Uint8Array[] = [];
  #length = 0;

  /** A tree of columns (what a view shape's writer finished): every array of numbers becomes a typed one. */
  tree(value: unknown): unknown {
    if (!Array.isArray(value)) return value;
    if (value.length > 0 && value.every((x) => typeof x === 'number')) return this.#column(value as number[]);
    return value.map((item) => this.tree(item));
  }

  #column(values: readonly number[]): Marker {
    const name = typeOf(values);
    const Type = TYPES[name];
    const pad = (Type.BYTES_PER_ELEMENT - (this.#length % Type.BYTES_PER_ELEMENT)) % Type.BYTES_PER_ELEMENT;
    if (pad > 0) this.#push(new Uint8Array(pad));
    const marker: Marker = { $: name, o: this.#length, n: values.length };
    const column = Type.from(values);
    this.#push(new Uint8Array(column.buffer, column.byteOffset, column.byteLength));
    return marker;
  }

  #push(part: Uint8Array): void {
    this.#parts.push(part);
    this.#length += part.byteLength;
  }

  bytes(json: unknown): Uint8Array {
    const text = new TextEncoder().encode(JSON.stringify(json));
    const start = HEADER + text.byteLength;
    const columnsAt = start + ((8 - (start % 8)) % 8);
    const out = new Uint8Array(columnsAt + this.#length);
    out.set(MAGIC, 0);
    new DataView(out.buffer).setUint32(4, text.byteLength, true);
    out.set(text, HEADER);
    let at = columnsAt;
    for (const part of this.#parts) {
      out.set(part, at);
      at += part.byteLength;
    }
    return out;
  }
}

const VIEW_COLUMNS = ['kinds', 'full', 'reduced', 'summary', 'nationals'] as const;

function viewsTree(views: PackedViews, columns: ColumnWriter): PackedViews {
  const out: Record<string, unknown> = { ...views };
  for (const key of VIEW_COLUMNS) out[key] = columns.tree(views[key]);
  return out as unknown as PackedViews;
}

/** Packed views (`encodeViews`) as bytes, to gzip. */
export function viewsToBytes(views: PackedViews): Uint8Array {
  const columns = new ColumnWriter();
  return columns.bytes(viewsTree(views, columns));
}

/** Packed changes (`encodeChanges`) as bytes, to gzip. */
export function changesToBytes(changes: PackedChanges): Uint8Array {
  const columns = new ColumnWriter();
  return columns.bytes({ ...changes, seqs: columns.tree(changes.seqs), kinds: columns.tree(changes.kinds), views: viewsTree(changes.views, columns) });
}

const fail = (what: string): never => {
  throw new PackedViewsError(`packed bytes: ${what}`);
};

/**
 * What `viewsToBytes` or `changesToBytes` made, its columns as typed arrays over `bytes` (not
 * copied), for `decodeViews` / `decodeChanges`, which check every value they read. Anything else
 * (another format, a device copy from before these bytes, a column past the end) throws
 * `PackedViewsError`.
 */
export function bytesToPacked(bytes: Uint8Array): unknown {
  if (bytes.byteLength < HEADER || MAGIC.some((b, i) => bytes[i] !== b)) return fail('not packed bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(4, true);
  if (HEADER + length > bytes.byteLength) return fail('the JSON runs past the end');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER, HEADER + length)));
  } catch {
    return fail('the JSON does not parse');
  }
  const start = HEADER + length;
  const columnsAt = start + ((8 - (start % 8)) % 8);
  // Typed arrays need their offsets aligned in their buffer: copied once if these bytes are not.
  const aligned = (bytes.byteOffset + columnsAt) % 8 === 0 ? bytes : bytes.slice();
  const base = aligned.byteOffset + columnsAt;
  const size = aligned.byteLength - columnsAt;
  const revive = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(revive);
    if (typeof value !== 'object' || value === null || !('$' in value)) return value;
    const { $: name, o, n } = value as Partial<Marker>;
    if (typeof name !== 'string' || !Object.hasOwn(TYPES, name)) return fail(`a column of type ${String(name)}`);
    const Type = TYPES[name];
    if (!Number.isSafeInteger(o) || !Number.isSafeInteger(n) || o! < 0 || n! < 0 || o! % Type.BYTES_PER_ELEMENT !== 0) return fail('a column out of place');
    if (o! + n! * Type.BYTES_PER_ELEMENT > size) return fail('a column runs past the end');
    return new Type(aligned.buffer as ArrayBuffer, base + o!, n!);
  };
  const isTable = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  /** The table with the column trees of these keys revived, as `viewsTree` and `changesToBytes` wrote them. */
  const withColumns = (table: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> => {
    const out = { ...table };
    for (const key of keys) if (key in table) out[key] = revive(table[key]);
    return out;
  };
  if (!isTable(json)) return fail('not a table');
  // Packed views at the top, or packed changes: their own columns, and their views' below.
  const out = withColumns(json, [...VIEW_COLUMNS, 'seqs']);
  if (isTable(json['views'])) out['views'] = withColumns(json['views'], VIEW_COLUMNS);
  return out;
}
