import { v7 as uuid } from 'uuid';
import { describe, expect, it } from 'vitest';
import {
  POINT_OUTLINE_COLOR,
  STATUS_COLORS,
  STATUS_DRAW_ORDER,
  STATUS_LEGEND,
  UNKNOWN_STATUS_COLOR,
  accuracyCircle,
  bboxToBounds,
  featuresDiffer,
  groupToFeature,
  groupsToFeatureCollection,
  statusColorExpression,
  statusSortKeyExpression,
} from '../../client/lib/map/group-features';
import { BASEMAP_COLORS } from '../../client/lib/map/basemap';
import mapMessages from '../../client/lib/i18n/en/map';
import { GROUP_STATUSES, GroupView, type GroupStatus } from '../../shared/schemas/group.schema';

const NOW = '2026-01-15T10:00:00.000Z';

/** A full view of a valid group, parsed by the shared schema so the factory cannot drift from it. */
function fullView(over: { id?: string; lat?: number; lon?: number; total?: number; status?: GroupStatus } = {}): GroupView {
  return GroupView.parse({
    view: 'full',
    group: {
      id: over.id ?? uuid(),
      crisisId: uuid(),
      location: { lat: over.lat ?? 32.9, lon: over.lon ?? 13.18, accuracyM: 25, placeName: 'Tripoli port', siteType: 'transit_point' },
      seenAt: NOW,
      headcount: { total: over.total ?? 40 },
      nationalities: [{ code: 'NER', count: 30 }],
      vulnerabilities: {},
      documents: {},
      intention: 'undecided',
      consentConsulate: 'not_asked',
      protectionConcern: false,
      notes: 'private note',
      needs: [],
      status: over.status ?? 'reported',
      version: 1,
      reportedBy: uuid(),
      reportedAt: NOW,
      updatedAt: NOW,
      mergedInto: null,
    },
  });
}

function reducedView(over: { id?: string; lat?: number; lon?: number; status?: GroupStatus } = {}): GroupView {
  return GroupView.parse({
    view: 'reduced',
    group: { id: over.id ?? uuid(), lat: over.lat ?? 27.0, lon: over.lon ?? 14.4, status: over.status ?? 'verified', needTypes: ['water'], version: 3 },
  });
}

const byId = (...views: GroupView[]) => new Map(views.map((v) => [v.group.id, v]));

describe(groupToFeature.name, () => {
  it('puts longitude before latitude, as RFC 7946 requires', () => {
    const feature = groupToFeature(fullView({ lat: 32.9, lon: 13.18 }), false);
    expect(feature?.geometry).toEqual({ type: 'Point', coordinates: [13.18, 32.9] });
  });

  it('uses the group id as feature id and as the property MapLibre promotes', () => {
    const view = fullView();
    const feature = groupToFeature(view, false);
    expect(feature?.id).toBe(view.group.id);
    expect(feature?.properties.id).toBe(view.group.id);
  });

  it('carries the headcount of a full view', () => {
    expect(groupToFeature(fullView({ total: 120, status: 'assisted' }), false)?.properties).toMatchObject({ people: 120, status: 'assisted' });
  });

  it('carries no count for a reduced view, which has none', () => {
    const view = reducedView({ lat: 27, lon: 14.4, status: 'verified' });
    const feature = groupToFeature(view, false);
    expect(feature?.geometry.coordinates).toEqual([14.4, 27]);
    expect(feature?.properties).toEqual({ id: view.group.id, status: 'verified', people: null, pending: false });
  });

  it('keeps nothing of the group but id, status, people and pending', () => {
    const feature = groupToFeature(fullView(), true);
    expect(Object.keys(feature?.properties ?? {}).sort()).toEqual(['id', 'pending', 'people', 'status']);
    expect(JSON.stringify(feature)).not.toContain('private note');
    expect(JSON.stringify(feature)).not.toContain('NER');
  });

  it('drops a group whose position is not a finite number', () => {
    const view = reducedView();
    if (view.view !== 'reduced') throw new Error('factory');
    expect(groupToFeature({ ...view, group: { ...view.group, lat: Number.NaN } }, false)).toBeNull();
  });
});

describe(groupsToFeatureCollection.name, () => {
  it('makes one point per group, full and reduced alike', () => {
    const collection = groupsToFeatureCollection(byId(fullView(), reducedView(), fullView()));
    expect(collection.type).toBe('FeatureCollection');
    expect(collection.features).toHaveLength(3);
  });

  it('flags the groups waiting in the outbox as pending, and only those', () => {
    const waiting = fullView();
    const sent = fullView();
    const collection = groupsToFeatureCollection(byId(waiting, sent), new Set([waiting.group.id]));
    const pending = Object.fromEntries(collection.features.map((f) => [f.properties.id, f.properties.pending]));
    expect(pending).toEqual({ [waiting.group.id]: true, [sent.group.id]: false });
  });

  it('builds plain objects that survive structured cloning to the worker', () => {
    const collection = groupsToFeatureCollection(byId(fullView(), reducedView()));
    expect(structuredClone(collection)).toEqual(collection);
  });

  it('returns an empty collection for no groups', () => {
    expect(groupsToFeatureCollection(new Map())).toEqual({ type: 'FeatureCollection', features: [] });
  });
});

describe(featuresDiffer.name, () => {
  // The map drew a first snapshot's points before its groups; these are compared with them when they
  // come, and only what differs is sent again.
  const features = (...views: GroupView[]) => groupsToFeatureCollection(byId(...views)).features;
  const byFeatureId = (list: ReturnType<typeof features>) => new Map(list.map((f) => [f.properties.id, f]));

  it('sends nothing when every point draws as it already does', () => {
    const views = [fullView(), fullView(), reducedView()];
    // Equal, not the same objects: the points and the groups are decoded separately.
    expect(featuresDiffer(byFeatureId(features(...views)), structuredClone(features(...views)), 10)).toEqual({ add: [], remove: [] });
  });

  it('sends each point that moved, changed status or count, and removes the ones gone', () => {
    const [a, b, c, d] = [fullView(), fullView(), fullView(), fullView()];
    const drawn = byFeatureId(features(a!, b!, c!, d!));
    const moved = fullView({ id: a!.group.id, lat: 33.1 });
    const helped = fullView({ id: b!.group.id, status: 'assisted' });
    const counted = fullView({ id: c!.group.id, total: 41 });
    const added = fullView();
    const diff = featuresDiffer(drawn, features(moved, helped, counted, added), 10);
    expect(diff?.add.map((f) => f.properties.id).sort()).toEqual([moved, helped, counted, added].map((v) => v.group.id).sort());
    expect(diff?.remove).toEqual([d!.group.id]);
  });

  it('sends a point again when it turns pending', () => {
    const view = fullView();
    const drawn = byFeatureId(features(view));
    const now = groupsToFeatureCollection(byId(view), new Set([view.group.id])).features;
    expect(featuresDiffer(drawn, now, 10)?.add).toEqual(now);
  });

  it('gives up past `max` changes (the whole collection is cheaper then)', () => {
    const drawn = byFeatureId(features(fullView(), fullView()));
    expect(featuresDiffer(drawn, features(fullView(), fullView()), 3)).toBeNull();
  });
});

describe(bboxToBounds.name, () => {
  it('turns [west, south, east, north] into [[west, south], [east, north]]', () => {
    expect(bboxToBounds([9.3, 19.5, 25.2, 33.2])).toEqual([
      [9.3, 19.5],
      [25.2, 33.2],
    ]);
  });
});

describe('STATUS_COLORS', () => {
  it('has a colour for every status, and no colour twice', () => {
    expect(Object.keys(STATUS_COLORS).sort()).toEqual([...GROUP_STATUSES].sort());
    expect(new Set(Object.values(STATUS_COLORS)).size).toBe(GROUP_STATUSES.length);
    expect(Object.values(STATUS_COLORS)).not.toContain(UNKNOWN_STATUS_COLOR);
  });

  it('keeps every pair of statuses apart for people with each kind of colour blindness', () => {
    for (const [vision, matrix] of Object.entries(CVD_MATRICES)) {
      for (const [i, a] of GROUP_STATUSES.entries()) {
        for (const b of GROUP_STATUSES.slice(i + 1)) {
          const distance = deltaE(simulate(STATUS_COLORS[a], matrix), simulate(STATUS_COLORS[b], matrix));
          expect(distance, `${a} vs ${b} under ${vision}`).toBeGreaterThanOrEqual(10);
        }
      }
    }
  });

  it('outlines points with a colour that stands out 3:1 on land, host country and sea', () => {
    for (const background of [BASEMAP_COLORS.land, BASEMAP_COLORS.host, BASEMAP_COLORS.sea]) {
      expect(contrast(POINT_OUTLINE_COLOR, background)).toBeGreaterThanOrEqual(3);
    }
  });
});

describe(statusColorExpression.name, () => {
  it('matches the status property against every status, then falls back', () => {
    const [op, input, ...rest] = statusColorExpression();
    expect(op).toBe('match');
    expect(input).toEqual(['get', 'status']);
    expect(rest.at(-1)).toBe(UNKNOWN_STATUS_COLOR);
    const pairs = rest.slice(0, -1);
    const table = Object.fromEntries(pairs.flatMap((v, i) => (i % 2 === 0 ? [[v, pairs[i + 1]]] : [])));
    expect(table).toEqual(STATUS_COLORS);
  });
});

describe(statusSortKeyExpression.name, () => {
  it('draws statuses that still need someone above closed ones', () => {
    expect(statusSortKeyExpression()).toHaveLength(2 + 2 * GROUP_STATUSES.length + 1);
    expect(STATUS_DRAW_ORDER.reported).toBeGreaterThan(STATUS_DRAW_ORDER.closed);
    expect(STATUS_DRAW_ORDER.unreachable).toBeGreaterThan(STATUS_DRAW_ORDER.assisted);
  });
});

describe('STATUS_LEGEND', () => {
  it('lists every status once, in the schema order, with its colour', () => {
    expect(STATUS_LEGEND.map((e) => e.status)).toEqual(GROUP_STATUSES);
    for (const entry of STATUS_LEGEND) expect(entry.color).toBe(STATUS_COLORS[entry.status]);
  });

  it('names every status from the English catalogue', () => {
    const messages: Record<string, string> = mapMessages;
    for (const entry of STATUS_LEGEND) expect(messages[entry.labelKey], entry.labelKey).toBeTruthy();
  });
});

describe(accuracyCircle.name, () => {
  it('draws a closed ring whose vertices lie the given distance from the centre', () => {
    const circle = accuracyCircle(32.9, 13.18, 500, 32);
    const ring = circle.geometry.coordinates[0]!;
    expect(ring).toHaveLength(33);
    expect(ring[0]).toEqual(ring[32]);
    for (const [lon, lat] of ring) expect(haversineM(32.9, 13.18, lat!, lon!)).toBeCloseTo(500, 0);
  });
});

// Colour science for the tests above: WCAG 2 contrast, and Machado et al. (2009) full-severity
// simulation of protanopia, deuteranopia and tritanopia in linear RGB, compared in CIELAB.
type Matrix = [[number, number, number], [number, number, number], [number, number, number]];
const CVD_MATRICES: Record<string, Matrix> = {
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  tritanopia: [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.3039],
  ],
  typical: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
};

function linearRgb(hex: string): [number, number, number] {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return [channel(1), channel(3), channel(5)];
}

function luminance(hex: string): number {
  const [r, g, b] = linearRgb(hex);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

function simulate(hex: string, m: Matrix): [number, number, number] {
  const c = linearRgb(hex);
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const [r, g, b] = m.map((row) => clamp(row[0] * c[0] + row[1] * c[1] + row[2] * c[2])) as [number, number, number];
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const x = f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
  const y = f(0.2126 * r + 0.7152 * g + 0.0722 * b);
  const z = f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}

function deltaE(a: [number, number, number], b: [number, number, number]): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

function haversineM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const h = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(h));
}
