import { describe, expect, it } from 'vitest';
import { decodeChanges, encodeChanges } from '../../shared/packed-views';
import { Site, SitePatch } from '../../shared/schemas/site.schema';
import type { ChangeEvent } from '../../shared/schemas/sync.schema';
import { decideReport, fillBand, fillLevel, isOverCapacity, MAX_CLOCK_AHEAD_MS, projectSite, siteAlerts, sitesNeedingAttention } from '../../shared/sites';
import { makeAudience, makeSite } from '../support/factories';
import { parseSiteImageId, siteImageId, sitesToFeatureCollection } from '../../client/lib/map/site-symbols';

describe(fillLevel.name, () => {
  it('is occupancy over capacity, or null when either is unknown', () => {
    expect(fillLevel({ capacity: 200, occupancy: 50 })).toBe(0.25);
    expect(fillLevel({ capacity: null, occupancy: 50 })).toBeNull();
    expect(fillLevel({ capacity: 200, occupancy: null })).toBeNull();
  });

  it('treats people in a site of capacity 0 as over capacity, and an empty one as empty', () => {
    expect(fillLevel({ capacity: 0, occupancy: 3 })).toBe(Number.POSITIVE_INFINITY);
    expect(fillLevel({ capacity: 0, occupancy: 0 })).toBe(0);
  });
});

describe(fillBand.name, () => {
  it.each([
    [null, 10, 'unknown'],
    [100, 10, 'room'],
    [100, 90, 'nearly_full'],
    [100, 100, 'full'],
    [100, 101, 'over'],
  ] as const)('capacity %s with %s people is %s', (capacity, occupancy, band) => {
    expect(fillBand({ capacity, occupancy })).toBe(band);
  });
});

describe(siteAlerts.name, () => {
  it('flags more people than room, and people in an unsafe or closed site', () => {
    expect(siteAlerts({ capacity: 10, occupancy: 11, status: 'open' })).toEqual(['over_capacity']);
    expect(siteAlerts({ capacity: 10, occupancy: 11, status: 'unsafe' })).toEqual(['over_capacity', 'unsafe_occupied']);
    expect(siteAlerts({ capacity: null, occupancy: 4, status: 'closed' })).toEqual(['closed_occupied']);
  });

  it('raises nothing for a full site at capacity, an empty unsafe site, or an unknown occupancy', () => {
    expect(siteAlerts({ capacity: 10, occupancy: 10, status: 'full' })).toEqual([]);
    expect(siteAlerts({ capacity: 10, occupancy: 0, status: 'unsafe' })).toEqual([]);
    expect(siteAlerts({ capacity: 10, occupancy: null, status: 'closed' })).toEqual([]);
    expect(isOverCapacity({ capacity: null, occupancy: 1_000 })).toBe(false);
  });

  it('lists the sites needing attention, unsafe first, then closed, then the fullest', () => {
    const fine = makeSite({ name: 'fine', capacity: 100, occupancy: 10 });
    const over = makeSite({ name: 'over', capacity: 100, occupancy: 150 });
    const overMore = makeSite({ name: 'over more', capacity: 100, occupancy: 300 });
    const closed = makeSite({ name: 'closed', status: 'closed', occupancy: 5 });
    const unsafe = makeSite({ name: 'unsafe', status: 'unsafe', occupancy: 5 });
    expect(sitesNeedingAttention([fine, over, closed, overMore, unsafe]).map((x) => x.site.name)).toEqual(['unsafe', 'closed', 'over more', 'over']);
  });
});

describe(decideReport.name, () => {
  const now = Date.parse('2026-12-06T08:00:00.000Z');
  const site = { occupancyReportedAt: '2026-12-06T07:00:00.000Z' };

  it('applies a report observed after the last observation, and any report to a site never observed', () => {
    expect(decideReport(site, { observedAt: '2026-12-06T07:30:00.000Z' }, now)).toEqual({ apply: true });
    expect(decideReport({ occupancyReportedAt: null }, { observedAt: '2026-12-01T00:00:00.000Z' }, now)).toEqual({ apply: true });
  });

  it('refuses an older report, and one at the same instant (the stored one stays)', () => {
    expect(decideReport(site, { observedAt: '2026-12-06T06:00:00.000Z' }, now)).toEqual({ apply: false, reason: 'stale' });
    expect(decideReport(site, { observedAt: site.occupancyReportedAt }, now)).toEqual({ apply: false, reason: 'stale' });
  });

  it('refuses a report dated further ahead than clocks drift', () => {
    expect(decideReport(site, { observedAt: new Date(now + MAX_CLOCK_AHEAD_MS + 1_000).toISOString() }, now)).toEqual({ apply: false, reason: 'future' });
    expect(decideReport(site, { observedAt: new Date(now + MAX_CLOCK_AHEAD_MS - 1_000).toISOString() }, now)).toEqual({ apply: true });
  });
});

describe(projectSite.name, () => {
  const site = makeSite({ lastVerifiedBy: '0190a0a0-0000-7000-8000-000000000001' });

  it('gives coordinators the whole site, and other roles of the crisis the site without who verified it or its recorded groups', () => {
    expect(projectSite(makeAudience({ role: 'coordinator', crisisId: site.crisisId }), site)).toEqual(site);
    for (const role of ['field', 'responder', 'embassy'] as const) {
      expect(projectSite(makeAudience({ role, crisisId: site.crisisId, servesState: role === 'embassy' ? 'NGA' : null }), site)).toEqual({
        ...site,
        lastVerifiedBy: null,
        linked: null,
      });
    }
  });

  it('gives nothing to another crisis or an admin', () => {
    expect(projectSite(makeAudience({ role: 'coordinator' }), site)).toBeNull();
    expect(projectSite(makeAudience({ role: 'admin', crisisId: site.crisisId }), site)).toBeNull();
    expect(projectSite(makeAudience({ role: 'field', crisisId: null }), site)).toBeNull();
  });
});

describe('site schemas', () => {
  it('keeps each service once, in the fixed order', () => {
    expect(SitePatch.parse({ services: ['water', 'food', 'water'] })).toEqual({ services: ['food', 'water'] });
  });

  it('refuses an empty edit, a negative capacity and an unknown type', () => {
    expect(SitePatch.safeParse({}).success).toBe(false);
    expect(SitePatch.safeParse({ capacity: -1 }).success).toBe(false);
    expect(Site.safeParse({ ...makeSite(), type: 'hotel' }).success).toBe(false);
  });
});

describe('packed changes with sites', () => {
  it('decode(encode(changes)) keeps site upserts in their place among group changes', () => {
    const a = makeSite({ name: 'a' });
    const b = makeSite({ name: 'b', capacity: null, occupancy: null, occupancyReportedAt: null });
    const changes: ChangeEvent[] = [
      { kind: 'site.upsert', seq: 3, site: a },
      { kind: 'group.remove', seq: 5, groupId: '0190a0a0-0000-7000-8000-000000000009' },
      { kind: 'site.upsert', seq: 8, site: b },
    ];
    expect(decodeChanges(JSON.parse(JSON.stringify(encodeChanges(changes))))).toEqual(changes);
  });

  it('refuses a packed site that is not a site', () => {
    const packed = encodeChanges([{ kind: 'site.upsert', seq: 1, site: makeSite() }]);
    expect(() => decodeChanges({ ...packed, sites: [{ id: 'x' }] })).toThrow();
    expect(() => decodeChanges({ ...packed, sites: [] })).toThrow();
  });
});

describe('site symbols on the map', () => {
  it('names each symbol by type, status, fill band and share, and reads the name back', () => {
    const id = siteImageId({ type: 'transit_centre', status: 'full', capacity: 100, occupancy: 95 });
    expect(id).toBe('site:transit_centre:full:nearly_full:10');
    expect(parseSiteImageId(id)).toEqual({ type: 'transit_centre', status: 'full', band: 'nearly_full', share: 10 });
    expect(siteImageId({ type: 'shelter', status: 'open', capacity: null, occupancy: 5 })).toBe('site:shelter:open:unknown:0');
    // Over capacity fills the whole ring (in the over colour), never more.
    expect(siteImageId({ type: 'shelter', status: 'open', capacity: 10, occupancy: 40 })).toBe('site:shelter:open:over:10');
  });

  it('refuses other image ids (a cluster ring, a made-up type)', () => {
    expect(parseSiteImageId('cluster-ring-1-0-0-0-0-0-0-0-0-0:n')).toBeNull();
    expect(parseSiteImageId('site:hotel:open:room:3')).toBeNull();
    expect(parseSiteImageId('site:shelter:open:room:11')).toBeNull();
  });

  it('draws every site as a point with its symbol, alert sites marked', () => {
    const calm = makeSite({ capacity: 100, occupancy: 10 });
    const unsafe = makeSite({ status: 'unsafe', occupancy: 3 });
    const collection = sitesToFeatureCollection(new Map([calm, unsafe].map((s) => [s.id, s])));
    expect(collection.features.map((f) => [f.properties.id, f.properties.alert, f.geometry.coordinates])).toEqual(
      [calm, unsafe].sort((a, b) => a.id.localeCompare(b.id)).map((s) => [s.id, s === unsafe, [s.location.lon, s.location.lat]]),
    );
  });
});
