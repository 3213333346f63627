import { v7 as uuidv7 } from 'uuid';
import type { Audience } from '../../shared/projection';
import { Group } from '../../shared/schemas/group.schema';
import { Site } from '../../shared/schemas/site.schema';
import { makeGroupInput } from './clients';

/** A stored group (as the server keeps it), valid by the shared schema, with overrides. */
export function makeGroup(overrides: Partial<Group> = {}): Group {
  const input = makeGroupInput();
  const at = new Date().toISOString();
  return Group.parse({
    ...input,
    crisisId: uuidv7(),
    needs: input.needs.map((n) => ({ ...n, status: 'open' })),
    status: 'reported',
    version: 1,
    reportedBy: uuidv7(),
    reportedAt: at,
    updatedAt: at,
    mergedInto: null,
    ...overrides,
  });
}

/** An audience, with overrides. */
export function makeAudience(overrides: Partial<Audience> = {}): Audience {
  return { userId: uuidv7(), role: 'coordinator', crisisId: uuidv7(), agencyId: null, servesState: null, ...overrides };
}

/** A stored site (issue 20), valid by the shared schema, with overrides. */
export function makeSite(overrides: Partial<Site> = {}): Site {
  const at = new Date().toISOString();
  return Site.parse({
    id: uuidv7(),
    crisisId: uuidv7(),
    type: 'shelter',
    name: 'Shelter',
    location: { lat: 32.9, lon: 13.2, placeName: 'Tripoli' },
    operatingAgencyId: null,
    capacity: 200,
    status: 'open',
    services: ['shelter', 'water'],
    occupancy: 120,
    occupancyReportedAt: at,
    lastVerifiedAt: at,
    lastVerifiedBy: null,
    version: 1,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  });
}
