import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audienceRoom } from '../../server/socket/audience-room';
import { fieldUsersOf, projectGroup, type Audience } from '../../shared/projection';
import type { Group } from '../../shared/schemas/group.schema';
import { ROLES } from '../../shared/schemas/user.schema';
import { makeAudience, makeGroup } from '../support/factories';

const CRISES = ['0190a0a0-0000-7000-8000-00000000000a', '0190a0a0-0000-7000-8000-00000000000b'];
const AGENCIES = ['0190a0a0-0000-7000-8000-0000000000a1', '0190a0a0-0000-7000-8000-0000000000a2'];
const USERS = ['0190a0a0-0000-7000-8000-0000000000c1', '0190a0a0-0000-7000-8000-0000000000c2', '0190a0a0-0000-7000-8000-0000000000c3'];

const audienceArb = fc.record({
  userId: fc.constantFrom(...USERS),
  role: fc.constantFrom(...ROLES),
  crisisId: fc.constantFrom(null, ...CRISES),
  agencyId: fc.constantFrom(null, ...AGENCIES),
  servesState: fc.constantFrom(null, 'NGA', 'NER'),
});

const groupArb = fc
  .record({
    crisisId: fc.constantFrom(...CRISES),
    codes: fc.subarray(['NGA', 'NER', 'SDN', 'stateless', 'unknown'] as const),
    consentConsulate: fc.constantFrom('yes', 'no', 'not_asked'),
    protectionConcern: fc.boolean(),
    reportedBy: fc.constantFrom(...USERS),
    followUpBy: fc.subarray(USERS),
  })
  .map(({ codes, ...rest }) => makeGroup({ ...rest, nationalities: codes.map((code) => ({ code, count: 1 })) }));

/**
 * How the publisher projects a change for a member of a room: for the member alone (the room's
 * audience with its user id) in its personal room when the group concerns it, for the room otherwise.
 */
function projectedInRoom(member: Audience, group: Group) {
  const room = audienceRoom(member);
  if (room === null) return null;
  const personal = room.personal === true && fieldUsersOf(group).includes(member.userId);
  return projectGroup(personal ? { ...room.audience, userId: member.userId } : room.audience, group);
}

describe(audienceRoom.name, () => {
  it('projects every group for the room exactly as for each member of it', () => {
    fc.assert(
      fc.property(audienceArb, groupArb, (audience, group) => {
        expect(projectedInRoom(audience, group)).toEqual(projectGroup(audience, group));
      }),
      { numRuns: 2000 },
    );
  });

  it('puts audiences that may see different things in different rooms', () => {
    fc.assert(
      fc.property(audienceArb, audienceArb, groupArb, (a, b, group) => {
        const [ra, rb] = [audienceRoom(a), audienceRoom(b)];
        // Members of one room get the same, except what reaches a member's personal room.
        const personal = (x: Audience, r: typeof ra) => r?.personal === true && fieldUsersOf(group).includes(x.userId);
        if (ra && rb && ra.name === rb.name && !personal(a, ra) && !personal(b, rb)) expect(projectGroup(a, group)).toEqual(projectGroup(b, group));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives coordinators one room per crisis, field teams another (with a personal room each), responders one per agency, embassies one per state and consulate', () => {
    const crisisId = CRISES[0] ?? '';
    const [agencyA, agencyB] = AGENCIES;
    expect(audienceRoom(makeAudience({ role: 'coordinator', crisisId }))?.name).toBe(`crisis:${crisisId}:full`);
    expect(audienceRoom(makeAudience({ role: 'field', crisisId }))).toMatchObject({ name: `crisis:${crisisId}:field`, personal: true });
    expect(audienceRoom(makeAudience({ role: 'responder', crisisId, agencyId: agencyA ?? null }))?.name).toBe(`crisis:${crisisId}:agency:${agencyA}`);
    expect(audienceRoom(makeAudience({ role: 'responder', crisisId, agencyId: agencyB ?? null }))?.name).not.toBe(`crisis:${crisisId}:agency:${agencyA}`);
    expect(audienceRoom(makeAudience({ role: 'embassy', crisisId, servesState: 'NGA', agencyId: agencyA ?? null }))?.name).toBe(
      `crisis:${crisisId}:embassy:NGA:${agencyA}`,
    );
  });

  it('gives an admin, and anyone without a crisis, no room', () => {
    expect(audienceRoom(makeAudience({ role: 'admin' }))).toBeNull();
    for (const role of ROLES) expect(audienceRoom(makeAudience({ role, crisisId: null }))).toBeNull();
  });
});
