import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { projectGroup, type Audience } from '../../shared/projection';
import { Group, GroupInput } from '../../shared/schemas/group.schema';
import type { Role } from '../../shared/schemas/user.schema';

const crisisId = uuidv7();
function group(overrides: Partial<Group> = {}): Group {
  const input = GroupInput.parse({
    id: uuidv7(),
    location: { lat: 32.9, lon: 13.2 },
    seenAt: new Date().toISOString(),
    headcount: { total: 10 },
    nationalities: [
      { code: 'NGA', count: 6 },
      { code: 'NER', count: 4 },
    ],
    consentConsulate: 'yes',
    notes: 'private note',
  });
  return Group.parse({
    ...input,
    needs: [],
    crisisId,
    status: 'reported',
    version: 1,
    reportedBy: uuidv7(),
    reportedAt: input.seenAt,
    updatedAt: input.seenAt,
    mergedInto: null,
    ...overrides,
  });
}
const audience = (role: Role, servesState: string | null = null): Audience => ({
  userId: uuidv7(),
  role,
  crisisId,
  agencyId: role === 'responder' || role === 'embassy' ? uuidv7() : null,
  servesState,
});

describe(projectGroup.name, () => {
  it('gives coordinators the full view', () => {
    expect(projectGroup(audience('coordinator'), group())?.view).toBe('full');
    expect(projectGroup(audience('coordinator'), group({ protectionConcern: true }))?.view).toBe('full');
  });

  describe('a field team (protection rule 11)', () => {
    const field = audience('field');
    const exact = { lat: 32.887234, lon: 13.191345, accuracyM: 10, placeName: 'Safe house', siteType: 'urban_dispersed' as const, siteId: null };

    it('gets the full view of a group it reported, flagged or not', () => {
      expect(projectGroup(field, group({ reportedBy: field.userId }))?.view).toBe('full');
      expect(projectGroup(field, group({ reportedBy: field.userId, protectionConcern: true }))?.view).toBe('full');
    });

    it('gets the full view of a group it was asked to follow up, flagged or not', () => {
      expect(projectGroup(field, group({ followUpBy: [uuidv7(), field.userId] }))?.view).toBe('full');
      expect(projectGroup(field, group({ followUpBy: [field.userId], protectionConcern: true }))?.view).toBe('full');
    });

    it("gets another team's unflagged group as an anonymous point rounded to 0.01 degree", () => {
      const view = projectGroup(field, group({ location: exact, followUpBy: [uuidv7()] }));

      expect(view?.view).toBe('reduced');
      expect(view?.view === 'reduced' && [view.group.lat, view.group.lon]).toEqual([32.89, 13.19]);
      const json = JSON.stringify(view);
      for (const secret of ['32.887', '13.191', 'Safe house', 'private note', 'NGA', 'NER', 'headcount', 'consent', 'protection', 'reportedBy', 'followUpBy']) {
        expect(json).not.toContain(secret);
      }
    });

    it("gets nothing of another team's protection-flagged group", () => {
      expect(projectGroup(field, group({ protectionConcern: true }))).toBeNull();
      expect(projectGroup(field, group({ protectionConcern: true, followUpBy: [uuidv7()] }))).toBeNull();
    });
  });

  it('gives nothing to anyone outside the crisis', () => {
    expect(projectGroup({ ...audience('coordinator'), crisisId: uuidv7() }, group())).toBeNull();
  });

  it('gives admins no group details', () => {
    expect(projectGroup(audience('admin'), group())).toBeNull();
  });

  it('gives responders an anonymous point without notes, counts, nationalities or flags', () => {
    const view = projectGroup(audience('responder'), group());
    expect(view?.view).toBe('reduced');
    const json = JSON.stringify(view);
    expect(json).not.toContain('private note');
    expect(json).not.toContain('NGA');
    expect(json).not.toContain('consent');
    expect(json).not.toContain('protection');
  });

  it('gives responders a location rounded to about 11 km for a group not assigned to their agency', () => {
    const g = group({ location: { lat: 32.8872, lon: 13.1913, accuracyM: 10, placeName: 'x', siteType: 'urban_dispersed', siteId: null } });

    const view = projectGroup(audience('responder'), g);

    expect(view?.view === 'reduced' && [view.group.lat, view.group.lon]).toEqual([32.9, 13.2]);
    expect(JSON.stringify(view)).not.toContain('32.8872');
  });

  it("gives an embassy its own nationals' part of a consenting, unflagged group, and nothing of the others", () => {
    const nigeria = audience('embassy', 'NGA');
    const mixed = group({ documents: { valid: 0, lostOrDestroyed: 7, confiscated: 0, neverHad: 0, unknown: 0 } });
    const view = projectGroup(nigeria, mixed);
    if (view?.view !== 'nationals') throw new Error(`expected a nationals view, got ${view?.view ?? 'none'}`);
    expect(view.group).toMatchObject({ id: mixed.id, nationality: 'NGA', nationals: 6, whole: null });
    const text = JSON.stringify(view);
    for (const leak of ['NER', 'private note', '"total"', '"people"', 'lostOrDestroyed']) expect(text).not.toContain(leak);
    expect(projectGroup(audience('embassy', 'NER'), mixed)).toMatchObject({ view: 'nationals', group: { nationality: 'NER', nationals: 4 } });
  });

  it('gives an embassy the breakdowns and notes only when every person in the group is its national', () => {
    const pure = group({ nationalities: [{ code: 'NGA', count: 10 }] });
    expect(projectGroup(audience('embassy', 'NGA'), pure)).toMatchObject({
      view: 'nationals',
      group: { nationals: 10, whole: { notes: 'private note', headcount: { total: 10 } } },
    });
    // Ten people, but only nine of them known to be Nigerian: the tenth may be anyone.
    const partial = group({ nationalities: [{ code: 'NGA', count: 9 }] });
    expect(projectGroup(audience('embassy', 'NGA'), partial)).toMatchObject({ view: 'nationals', group: { nationals: 9, whole: null } });
  });

  it("gives an embassy only its own consulate's assignments", () => {
    const nigeria = audience('embassy', 'NGA');
    const assignment = (agencyId: string) => ({
      id: uuidv7(),
      groupId: uuidv7(),
      needId: uuidv7(),
      agencyId,
      status: 'accepted' as const,
      peopleReached: 0,
      note: '',
      expectedBy: null,
      createdBy: uuidv7(),
      updatedAt: new Date().toISOString(),
      version: 1,
    });
    const own = assignment(nigeria.agencyId as string);
    const view = projectGroup(nigeria, group({ assignments: [own, assignment(uuidv7())] }));
    expect(view?.view === 'nationals' ? view.group.assignments : null).toEqual([own]);
  });

  it('gives an embassy nothing without consent, with the protection flag, or for other nationalities', () => {
    expect(projectGroup(audience('embassy', 'NGA'), group({ consentConsulate: 'no' }))).toBeNull();
    expect(projectGroup(audience('embassy', 'NGA'), group({ consentConsulate: 'not_asked' }))).toBeNull();
    expect(projectGroup(audience('embassy', 'NGA'), group({ protectionConcern: true }))).toBeNull();
    expect(projectGroup(audience('embassy', 'SDN'), group())).toBeNull();
    expect(projectGroup(audience('embassy', null), group())).toBeNull();
  });
});
