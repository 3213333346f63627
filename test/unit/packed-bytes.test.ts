import { describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { bytesToPacked, changesToBytes, viewsToBytes } from '../../shared/packed-bytes';
import { decodeChanges, decodeViews, encodeChanges, encodeViews, PackedViewsError, summarizeView, type PackedViews } from '../../shared/packed-views';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import type { Group, GroupView } from '../../shared/schemas/group.schema';
import { makeGroup, makeSite } from '../support/factories';

// The bytes packed views travel as (shared/packed-bytes.ts): number columns as typed arrays of the
// narrowest type, the rest JSON. The round trips of every kind of view are in
// packed-views.property.test.ts; here, what is particular to the bytes.

const groups: Group[] = Array.from({ length: 50 }, (_, i) =>
  makeGroup({ location: { lat: 32.1 + i / 1000, lon: 20.05, accuracyM: 12.5, placeName: `Place ${i % 4}`, siteType: 'urban_dispersed', siteId: null } }),
);
const views: GroupView[] = groups.map((group) => ({ view: 'full', group }));

describe('packed bytes', () => {
  it('carry the same views as the JSON did, in fewer bytes, each number column typed and narrow', () => {
    const packed = encodeViews(views.map(summarizeView));
    const bytes = viewsToBytes(packed);
    const json = JSON.stringify(packed);
    expect(decodeViews(bytesToPacked(bytes))).toStrictEqual(decodeViews(JSON.parse(json)));
    expect(bytes.byteLength).toBeLessThan(new TextEncoder().encode(json).byteLength);
    const unpacked = bytesToPacked(bytes) as PackedViews;
    // `kinds` is 2 (a summary) 50 times: one byte each.
    expect(unpacked.kinds).toBeInstanceOf(Uint8Array);
    expect(Array.from(unpacked.kinds as unknown as Uint8Array)).toEqual(packed.kinds);
    // No number column is left a list, none of the strings became bytes.
    const lists: unknown[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) {
        if (v.length > 0 && v.every((x) => typeof x === 'number')) lists.push(v);
        else v.forEach(walk);
      }
    };
    walk(unpacked.summary);
    expect(lists).toEqual([]);
    expect(unpacked.strings).toEqual(packed.strings);
  });

  it('keep integers past 32 bits and fractions exact (times as milliseconds, accuracy in metres)', () => {
    const far: GroupView[] = groups.map((g, i) => ({
      view: 'full',
      group: { ...g, seenAt: new Date(Date.UTC(2026, 0, 1) + i * 5e9).toISOString(), location: { ...g.location, accuracyM: 0.1 * i } },
    }));
    expect(decodeViews(bytesToPacked(viewsToBytes(encodeViews(far))))).toStrictEqual(JSON.parse(JSON.stringify(far)));
  });

  it("keep a site's own numbers as JSON, so its schema reads them as sent", () => {
    const site = makeSite({ capacity: 250, occupancy: 120 });
    const changes: ChangeEvent[] = [
      { kind: 'group.upsert', seq: 4, group: views[0]! },
      { kind: 'site.upsert', seq: 5, site },
      { kind: 'group.remove', seq: 9, groupId: uuidv7() },
    ];
    expect(decodeChanges(bytesToPacked(changesToBytes(encodeChanges(changes))))).toStrictEqual(JSON.parse(JSON.stringify(changes)));
  });

  it('decode from bytes that do not start on an 8-byte boundary (a view into a bigger buffer)', () => {
    const bytes = viewsToBytes(encodeViews(views));
    const shifted = new Uint8Array(bytes.byteLength + 3);
    shifted.set(bytes, 3);
    expect(decodeViews(bytesToPacked(shifted.subarray(3)))).toStrictEqual(decodeViews(bytesToPacked(bytes)));
  });

  it('refuse what they did not make, with a named error', () => {
    const good = viewsToBytes(encodeViews(views));
    const length = new DataView(good.buffer, good.byteOffset).getUint32(4, true);
    const json = new TextDecoder().decode(good.subarray(8, 8 + length));
    const columns = good.subarray(8 + length + ((8 - ((8 + length) % 8)) % 8));
    /** The same columns behind an edited JSON, laid out as viewsToBytes lays them. */
    const withJson = (edit: (text: string) => string): Uint8Array => {
      const edited = edit(json);
      expect(edited).not.toBe(json);
      const text = new TextEncoder().encode(edited);
      const at = 8 + text.byteLength + ((8 - ((8 + text.byteLength) % 8)) % 8);
      const out = new Uint8Array(at + columns.byteLength);
      out.set(good.subarray(0, 4));
      new DataView(out.buffer).setUint32(4, text.byteLength, true);
      out.set(text, 8);
      out.set(columns, at);
      return out;
    };
    // The layout as the test rebuilds it is the one the bytes have: unedited, they decode.
    expect(decodeViews(bytesToPacked(withJson((t) => `${t} `)))).toStrictEqual(decodeViews(bytesToPacked(good)));
    const bad: Uint8Array[] = [
      new Uint8Array(0),
      new Uint8Array([1, 2, 3]),
      // The gzipped JSON a device kept before these bytes, gunzipped: not these bytes.
      new TextEncoder().encode(JSON.stringify(encodeViews(views))),
      // The JSON said to run past the end.
      (() => {
        const out = good.slice();
        new DataView(out.buffer).setUint32(4, good.byteLength, true);
        return out;
      })(),
      // A column past the end, a column of a type there is none of, a column out of alignment.
      withJson((t) => t.replace(/"n":(\d+)/, (_, n: string) => `"n":${Number(n) + good.byteLength}`)),
      withJson((t) => t.replace('"$":"Uint8Array"', '"$":"BigInt64Arr"')),
      withJson((t) =>
        t.replace(
          /"\$":"(Uint16Array|Int16Array|Uint32Array|Int32Array|Float64Array)","o":(\d+)/,
          (_, type: string, o: string) => `"$":"${type}","o":${Number(o) + 1}`,
        ),
      ),
      withJson((t) => t.slice(0, -1)),
      // The JSON part cut short.
      good.subarray(0, 8 + Math.floor(length / 2)),
    ];
    const reasons = bad.map((bytes) => {
      try {
        decodeViews(bytesToPacked(bytes));
        return 'decoded';
      } catch (error) {
        return error instanceof PackedViewsError ? error.message.replace('packed bytes: ', '') : String(error);
      }
    });
    expect(reasons).toEqual([
      'not packed bytes',
      'not packed bytes',
      'not packed bytes',
      'the JSON runs past the end',
      'a column runs past the end',
      'a column of type BigInt64Arr',
      'a column out of place',
      'the JSON does not parse',
      'the JSON runs past the end',
    ]);
  });

  it('still check every value a typed column holds against its shape', () => {
    const packed = encodeViews(views);
    const unpacked = bytesToPacked(viewsToBytes(packed)) as PackedViews;
    // `kinds` says 0 (full) for each view; a 7 is no kind.
    (unpacked.kinds as unknown as Uint8Array)[3] = 7;
    expect(() => decodeViews(unpacked)).toThrow(PackedViewsError);
  });
});
