import { describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { Group, GroupStatus } from '../../shared/schemas/group.schema';
import { AT_SITE_STATUSES, fillBand, linkDeltas, projectSite, shownOccupancy, siteAlerts, siteLinkOf, sitesNear } from '../../shared/sites';
import { GROUP_STATUSES } from '../../shared/schemas/group.schema';
import { purgeDetails } from '../../shared/retention';
import { makeAudience, makeGroup, makeSite } from '../support/factories';
import { sitesToFeatureCollection } from '../../client/lib/map/site-symbols';
import { fieldKeyForIssue, issueMessage } from '../../client/lib/state/group-form';

const at = (siteId: string | null, people: number, status: GroupStatus = 'verified'): Group => {
  const g = makeGroup({ status });
  return { ...g, location: { ...g.location, siteId }, headcount: { ...g.headcount, total: people } };
};

describe(shownOccupancy.name, () => {
  it('shows the larger of the reported count and the people of the recorded groups', () => {
    expect(shownOccupancy({ capacity: 100, occupancy: 42, linked: { groups: 6, people: 37 } })).toBe(42);
    expect(shownOccupancy({ capacity: 100, occupancy: 30, linked: { groups: 6, people: 37 } })).toBe(37);
  });

  it('shows the recorded groups when nobody counted, and the count when no group is recorded or the receiver has no tally', () => {
    expect(shownOccupancy({ capacity: 100, occupancy: null, linked: { groups: 2, people: 9 } })).toBe(9);
    expect(shownOccupancy({ capacity: 100, occupancy: 12, linked: { groups: 0, people: 0 } })).toBe(12);
    expect(shownOccupancy({ capacity: 100, occupancy: 12, linked: null })).toBe(12);
    expect(shownOccupancy({ capacity: 100, occupancy: null, linked: { groups: 0, people: 0 } })).toBeNull();
  });

  it('fills the ring with the shown occupancy', () => {
    expect(fillBand({ capacity: 40, occupancy: 10, linked: { groups: 3, people: 45 } })).toBe('over');
  });
});

describe(siteAlerts.name, () => {
  it('raises over capacity when the recorded groups alone hold more people than room, even with an older, lower count', () => {
    expect(siteAlerts({ capacity: 40, occupancy: 30, status: 'open', linked: { groups: 3, people: 45 } })).toEqual(['over_capacity']);
  });

  it('raises unsafe or closed with people in it for a recorded group even before anyone counted', () => {
    expect(siteAlerts({ capacity: null, occupancy: null, status: 'unsafe', linked: { groups: 1, people: 4 } })).toEqual(['unsafe_occupied']);
    expect(siteAlerts({ capacity: null, occupancy: 0, status: 'closed', linked: { groups: 1, people: 4 } })).toEqual(['closed_occupied']);
    expect(siteAlerts({ capacity: null, occupancy: null, status: 'closed', linked: { groups: 0, people: 0 } })).toEqual([]);
  });

  it('marks an alert site on the map from the same rule', () => {
    const site = makeSite({ capacity: 10, occupancy: 5, linked: { groups: 2, people: 12 } });
    expect(sitesToFeatureCollection(new Map([[site.id, site]])).features[0]?.properties.alert).toBe(true);
  });
});

describe(siteLinkOf.name, () => {
  it('counts a linked group at its site only while its status says it is still there', () => {
    const siteId = uuidv7();
    for (const status of GROUP_STATUSES) {
      expect(siteLinkOf(at(siteId, 5, status)) !== null, status).toBe(AT_SITE_STATUSES.includes(status));
    }
    expect(siteLinkOf(at(null, 5))).toBeNull();
  });
});

describe(linkDeltas.name, () => {
  const a = uuidv7();
  const b = uuidv7();

  it('adds a new linked group, moves a group between sites, and takes out an erased one', () => {
    expect(linkDeltas([{ before: null, after: at(a, 7) }])).toEqual(new Map([[a, { groups: 1, people: 7 }]]));
    expect(linkDeltas([{ before: at(a, 7), after: at(b, 9) }])).toEqual(
      new Map([
        [a, { groups: -1, people: -7 }],
        [b, { groups: 1, people: 9 }],
      ]),
    );
    expect(linkDeltas([{ before: at(a, 7), after: null }])).toEqual(new Map([[a, { groups: -1, people: -7 }]]));
  });

  it('follows a headcount edit, a status that leaves the site, a merge, and a purge', () => {
    expect(linkDeltas([{ before: at(a, 7), after: at(a, 10) }])).toEqual(new Map([[a, { groups: 0, people: 3 }]]));
    expect(linkDeltas([{ before: at(a, 7), after: at(a, 7, 'evacuated') }])).toEqual(new Map([[a, { groups: -1, people: -7 }]]));
    expect(linkDeltas([{ before: at(a, 7), after: at(a, 7, 'duplicate') }])).toEqual(new Map([[a, { groups: -1, people: -7 }]]));
    const linked = at(a, 7);
    expect(linkDeltas([{ before: linked, after: purgeDetails(linked) }])).toEqual(new Map([[a, { groups: -1, people: -7 }]]));
  });

  it('names no site when nothing a tally reads changed', () => {
    const g = at(a, 7);
    expect(linkDeltas([{ before: g, after: { ...g, notes: 'seen again' } }]).size).toBe(0);
    expect(linkDeltas([{ before: at(null, 3), after: at(null, 4) }]).size).toBe(0);
  });
});

describe(projectSite.name, () => {
  it('gives the recorded groups tally to coordinators only', () => {
    const site = makeSite({ linked: { groups: 2, people: 9 } });
    const crisisId = site.crisisId;
    expect(projectSite(makeAudience({ crisisId }), site)?.linked).toEqual({ groups: 2, people: 9 });
    for (const role of ['field', 'responder', 'embassy'] as const) {
      expect(projectSite(makeAudience({ crisisId, role, servesState: role === 'embassy' ? 'NGA' : null }), site)?.linked, role).toBeNull();
    }
  });
});

describe(sitesNear.name, () => {
  const point = { lat: 32.9, lon: 13.2 };
  const near = makeSite({ name: 'near', location: { lat: 32.901, lon: 13.2, placeName: '' } });
  const nearer = makeSite({ name: 'nearer', status: 'closed', location: { lat: 32.9001, lon: 13.2, placeName: '' } });
  const far = makeSite({ name: 'far', location: { lat: 33.2, lon: 13.2, placeName: '' } });

  it('offers the sites within 5 km, nearest first, closed ones too', () => {
    expect(sitesNear([far, near, nearer], point).map((x) => x.site.name)).toEqual(['nearer', 'near']);
  });

  it('keeps the site a group is linked to, however far, so an edit never drops it unasked', () => {
    expect(sitesNear([far, near], point, far.id).map((x) => x.site.name)).toEqual(['near', 'far']);
    expect(sitesNear([far, near], point, near.id).map((x) => x.site.name)).toEqual(['near']);
  });
});

describe('the report form and site_unknown', () => {
  it("shows the server's named issue beside the site field, in words", () => {
    const issue = { path: ['location', 'siteId'], code: 'site_unknown' };
    expect(issueMessage(issue)).toEqual({ key: 'form.error.siteUnknown' });
    expect(fieldKeyForIssue(issue.path, { nationalityKeys: [], needTypes: [] })).toBe('location.siteId');
  });
});
