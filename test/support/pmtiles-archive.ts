// A PMTiles v3 archive written by hand, so the tests need no tile download and no tiling tool.
// The pmtiles package only reads archives; the format is small enough to write here: a 127-byte
// header, a root directory of varint columns, a JSON metadata block and the tiles themselves
// (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md). Tiles are Mapbox Vector Tiles,
// encoded by the protobuf writer below (https://github.com/mapbox/vector-tile-spec/tree/master/2.1).
import { zxyToTileId } from 'pmtiles';

/** A polygon ring or line in longitude/latitude degrees. */
type LonLat = readonly [number, number];

/** A vector feature to put in a tile, in longitude/latitude. */
export type TestFeature = { type: 'polygon'; ring: readonly LonLat[]; properties?: Properties } | { type: 'point'; at: LonLat; properties?: Properties };

/** Feature properties: strings, and numbers (written as doubles) for the style's ranks and zooms. */
type Properties = Record<string, string | number>;

/** One tile's layers: source-layer name (as the Protomaps style names them: water, earth, places) to features. */
export type TestTile = { z: number; x: number; y: number; layers: Record<string, readonly TestFeature[]> };

const EXTENT = 4096;

class ProtoWriter {
  readonly bytes: number[] = [];

  varint(value: number): this {
    let v = value;
    while (v >= 0x80) {
      this.bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    this.bytes.push(v);
    return this;
  }

  tag(field: number, wireType: 0 | 1 | 2): this {
    return this.varint((field << 3) | wireType);
  }

  message(field: number, body: readonly number[] | Uint8Array): this {
    this.tag(field, 2).varint(body.length);
    for (const b of body) this.bytes.push(b);
    return this;
  }

  string(field: number, text: string): this {
    return this.message(field, new TextEncoder().encode(text));
  }

  double(field: number, value: number): this {
    const body = new DataView(new ArrayBuffer(8));
    body.setFloat64(0, value, true);
    this.tag(field, 1);
    for (let i = 0; i < 8; i++) this.bytes.push(body.getUint8(i));
    return this;
  }

  packed(field: number, values: readonly number[]): this {
    const body = new ProtoWriter();
    for (const v of values) body.varint(v);
    return this.message(field, body.bytes);
  }
}

const zigzag = (n: number) => (n << 1) ^ (n >> 31);
const command = (id: number, count: number) => (id & 0x7) | (count << 3);

/** Web Mercator position of a longitude/latitude inside tile z/x/y, in tile units (0..EXTENT). */
function toTile([lon, lat]: LonLat, z: number, x: number, y: number): [number, number] {
  const n = 2 ** z;
  const worldX = ((lon + 180) / 360) * n;
  const sin = Math.sin((lat * Math.PI) / 180);
  const worldY = (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * n;
  return [Math.round((worldX - x) * EXTENT), Math.round((worldY - y) * EXTENT)];
}

function geometry(feature: TestFeature, tile: TestTile): { type: number; commands: number[] } {
  const points = (feature.type === 'point' ? [feature.at] : feature.ring).map((p) => toTile(p, tile.z, tile.x, tile.y));
  if (feature.type === 'polygon') {
    // An exterior ring must have a positive area in tile coordinates (y down): make it so whatever
    // the order the test wrote the ring in.
    let area = 0;
    for (let i = 0; i < points.length; i++) {
      const [x1, y1] = points[i]!;
      const [x2, y2] = points[(i + 1) % points.length]!;
      area += x1 * y2 - x2 * y1;
    }
    if (area < 0) points.reverse();
  }
  const commands: number[] = [];
  let cx = 0;
  let cy = 0;
  points.forEach(([px, py], i) => {
    if (i === 0) commands.push(command(1, 1));
    else if (i === 1) commands.push(command(2, points.length - 1));
    commands.push(zigzag(px - cx), zigzag(py - cy));
    cx = px;
    cy = py;
  });
  if (feature.type === 'polygon') commands.push(command(7, 1));
  return { type: feature.type === 'point' ? 1 : 3, commands };
}

/** Encodes one Mapbox Vector Tile (version 2). */
export function encodeVectorTile(tile: TestTile): Uint8Array {
  const out = new ProtoWriter();
  for (const [name, features] of Object.entries(tile.layers)) {
    const layer = new ProtoWriter();
    layer.string(1, name);
    const keys: string[] = [];
    const values: (string | number)[] = [];
    const indexOf = <T>(list: T[], item: T) => {
      const at = list.indexOf(item);
      return at >= 0 ? at : list.push(item) - 1;
    };
    features.forEach((feature, i) => {
      const tags: number[] = [];
      for (const [k, v] of Object.entries(feature.properties ?? {})) tags.push(indexOf(keys, k), indexOf(values, v));
      const { type, commands } = geometry(feature, tile);
      const body = new ProtoWriter().tag(1, 0).varint(i + 1);
      if (tags.length > 0) body.packed(2, tags);
      body.tag(3, 0).varint(type).packed(4, commands);
      layer.message(2, body.bytes);
    });
    for (const k of keys) layer.string(3, k);
    for (const v of values) layer.message(4, (typeof v === 'string' ? new ProtoWriter().string(1, v) : new ProtoWriter().double(3, v)).bytes);
    layer.tag(5, 0).varint(EXTENT).tag(15, 0).varint(2);
    out.message(3, layer.bytes);
  }
  return Uint8Array.from(out.bytes);
}

function setUint64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value % 2 ** 32, true);
  view.setUint32(offset + 4, Math.floor(value / 2 ** 32), true);
}

/** Writes a PMTiles v3 archive of vector tiles (uncompressed, one root directory, no leaves). */
export function writePmtilesArchive(tiles: readonly TestTile[], options: { name?: string; attribution?: string } = {}): Uint8Array {
  const entries = tiles.map((t) => ({ id: zxyToTileId(t.z, t.x, t.y), data: encodeVectorTile(t) })).sort((a, b) => a.id - b.id);
  let offset = 0;
  const placed = entries.map((e) => {
    const at = { ...e, offset, length: e.data.length };
    offset += e.data.length;
    return at;
  });
  // The directory's four columns: tile id deltas, run lengths, lengths, then offsets (0 meaning
  // "right after the previous tile", else offset + 1).
  const dir = new ProtoWriter().varint(placed.length);
  let last = 0;
  for (const e of placed) {
    dir.varint(e.id - last);
    last = e.id;
  }
  for (const _ of placed) dir.varint(1);
  for (const e of placed) dir.varint(e.length);
  placed.forEach((e, i) => dir.varint(i > 0 && e.offset === placed[i - 1]!.offset + placed[i - 1]!.length ? 0 : e.offset + 1));
  const directory = Uint8Array.from(dir.bytes);
  const metadata = new TextEncoder().encode(
    JSON.stringify({
      name: options.name ?? 'waymark test tiles',
      attribution: options.attribution ?? 'test tiles',
      vector_layers: [...new Set(tiles.flatMap((t) => Object.keys(t.layers)))].map((id) => ({ id, fields: {} })),
    }),
  );
  const tileData = new Uint8Array(offset);
  for (const e of placed) tileData.set(e.data, e.offset);

  const header = new Uint8Array(127);
  const view = new DataView(header.buffer);
  header.set(new TextEncoder().encode('PMTiles'), 0);
  header[7] = 3;
  const rootOffset = 127;
  const metadataOffset = rootOffset + directory.length;
  const dataOffset = metadataOffset + metadata.length;
  setUint64(view, 8, rootOffset);
  setUint64(view, 16, directory.length);
  setUint64(view, 24, metadataOffset);
  setUint64(view, 32, metadata.length);
  setUint64(view, 40, dataOffset); // no leaf directories
  setUint64(view, 48, 0);
  setUint64(view, 56, dataOffset);
  setUint64(view, 64, tileData.length);
  setUint64(view, 72, placed.length); // addressed tiles
  setUint64(view, 80, placed.length); // tile entries
  setUint64(view, 88, placed.length); // tile contents
  header[96] = 1; // clustered: tiles in id order
  header[97] = 1; // internal compression: none
  header[98] = 1; // tile compression: none
  header[99] = 1; // tile type: MVT
  const zooms = tiles.map((t) => t.z);
  header[100] = Math.min(...zooms);
  header[101] = Math.max(...zooms);
  view.setInt32(102, -180 * 1e7, true);
  view.setInt32(106, -85 * 1e7, true);
  view.setInt32(110, 180 * 1e7, true);
  view.setInt32(114, 85 * 1e7, true);
  header[118] = Math.min(...zooms);
  view.setInt32(119, 0, true);
  view.setInt32(123, 0, true);

  const archive = new Uint8Array(dataOffset + tileData.length);
  archive.set(header, 0);
  archive.set(directory, rootOffset);
  archive.set(metadata, metadataOffset);
  archive.set(tileData, dataOffset);
  return archive;
}

/**
 * The one-tile archive the tests serve: at zoom 0, a water polygon over the given box (drawn in the
 * Protomaps style's water colour, unlike anything on the bundled basemap) and a named town in it.
 */
export function waterOverArchive(box: { west: number; south: number; east: number; north: number }, placeName = 'Testville'): Uint8Array {
  const { west, south, east, north } = box;
  return writePmtilesArchive([
    {
      z: 0,
      x: 0,
      y: 0,
      layers: {
        water: [
          {
            type: 'polygon',
            ring: [
              [west, north],
              [east, north],
              [east, south],
              [west, south],
            ],
            properties: { kind: 'water' },
          },
        ],
        // A town as Protomaps tiles describe one: shown from zoom 2, drawn large (population rank 13+).
        places: [
          {
            type: 'point',
            at: [(west + east) / 2, (south + north) / 2],
            properties: { kind: 'locality', name: placeName, min_zoom: 2, population_rank: 14 },
          },
        ],
      },
    },
  ]);
}
