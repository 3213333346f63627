import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { Command } from '../../shared/schemas/command.schema';
import { Group, GroupInput, GroupPatch, GROUP_STATUSES } from '../../shared/schemas/group.schema';
import { NEED_CLUSTER, NEED_TYPES } from '../../shared/schemas/need.schema';
import { Agency } from '../../shared/schemas/agency.schema';

const now = () => new Date().toISOString();
function draft(overrides: Record<string, unknown> = {}) {
  return {
    id: uuidv7(),
    location: { lat: 32.89, lon: 13.19 },
    seenAt: now(),
    headcount: { total: 12 },
    ...overrides,
  };
}
const paths = (input: unknown) => {
  const r = GroupInput.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
};

describe('GroupInput', () => {
  it('accepts a quick report with only location, time and a headcount, filling the rest', () => {
    const g = GroupInput.parse(draft());
    expect(g.nationalities).toEqual([]);
    expect(g.consentConsulate).toBe('not_asked');
    expect(g.protectionConcern).toBe(false);
    expect(g.headcount.female.under5).toBe(0);
    expect(g.location.accuracyM).toBeNull();
  });

  it('accepts a full report', () => {
    const g = GroupInput.parse(
      draft({
        location: { lat: 32.1, lon: 20.07, accuracyM: 25, placeName: 'Port warehouse', siteType: 'collective_centre' },
        headcount: { total: 30, female: { age18to59: 10, under5: 2 }, male: { age18to59: 15 } },
        nationalities: [
          { code: 'NGA', count: 20 },
          { code: 'stateless', count: 2 },
          { code: 'unknown', count: 8 },
        ],
        needs: [{ id: uuidv7(), type: 'water', severity: 5, people: 30 }],
        vulnerabilities: { unaccompaniedChildren: 3 },
        documents: { confiscated: 4 },
        intention: 'evacuate_to_origin',
        consentConsulate: 'yes',
        protectionConcern: true,
        notes: 'Seen near the port',
      }),
    );
    expect(g.needs[0]?.type).toBe('water');
  });

  it('rejects a missing location, headcount and time, naming each field', () => {
    expect(paths({ id: uuidv7() })).toEqual(expect.arrayContaining(['location', 'seenAt', 'headcount']));
  });

  it('rejects coordinates out of range', () => {
    expect(paths(draft({ location: { lat: 91, lon: 13 } }))).toContain('location.lat');
    expect(paths(draft({ location: { lat: 30, lon: -181 } }))).toContain('location.lon');
  });

  it('rejects a headcount of zero, negative or fractional people', () => {
    expect(paths(draft({ headcount: { total: 0 } }))).toContain('headcount.total');
    expect(paths(draft({ headcount: { total: 5, male: { under5: -1 } } }))).toContain('headcount.male.under5');
    expect(paths(draft({ headcount: { total: 2.5 } }))).toContain('headcount.total');
  });

  it('rejects a breakdown that counts more people than the total', () => {
    expect(paths(draft({ headcount: { total: 3, female: { age18to59: 2 }, male: { age18to59: 2 } } }))).toContain('headcount.total');
  });

  it('rejects nationalities that are unknown codes, repeated, or more than the total', () => {
    expect(paths(draft({ nationalities: [{ code: 'XYZ', count: 1 }] }))).toContain('nationalities.0.code');
    expect(paths(draft({ nationalities: [{ code: 'nga', count: 1 }] }))).toContain('nationalities.0.code');
    expect(
      paths(
        draft({
          nationalities: [
            { code: 'NGA', count: 1 },
            { code: 'NGA', count: 1 },
          ],
        }),
      ),
    ).toContain('nationalities.1.code');
    expect(paths(draft({ nationalities: [{ code: 'NGA', count: 13 }] }))).toContain('nationalities');
  });

  it('rejects a need listed twice, with an unknown type, or severity outside 1-5', () => {
    const need = { id: uuidv7(), type: 'water', severity: 3, people: 1 };
    expect(paths(draft({ needs: [need, { ...need, id: uuidv7() }] }))).toContain('needs.1.type');
    expect(paths(draft({ needs: [{ ...need, type: 'pizza' }] }))).toContain('needs.0.type');
    expect(paths(draft({ needs: [{ ...need, severity: 6 }] }))).toContain('needs.0.severity');
  });

  it('rejects notes over 2000 characters and an id that is not a UUID', () => {
    expect(paths(draft({ notes: 'x'.repeat(2001) }))).toContain('notes');
    expect(paths(draft({ id: 'group-1' }))).toContain('id');
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(() => GroupInput.safeParse(value)).not.toThrow();
        expect(() => Command.safeParse(value)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts every consistent headcount and nationality mix', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.nat({ max: 5000 }), (total, n) => {
        const count = Math.min(total, n + 1);
        expect(GroupInput.safeParse(draft({ headcount: { total }, nationalities: [{ code: 'SDN', count }] })).success).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('GroupPatch', () => {
  it('keeps only the fields sent, with no defaults that would overwrite stored values', () => {
    expect(GroupPatch.parse({ notes: 'seen again' })).toEqual({ notes: 'seen again' });
  });
  it('rejects an empty edit and unknown fields', () => {
    expect(GroupPatch.safeParse({}).success).toBe(false);
    expect(GroupPatch.safeParse({ status: 'closed' }).success).toBe(false);
    expect(GroupPatch.safeParse({ version: 9 }).success).toBe(false);
  });
});

describe('Group', () => {
  it('rejects an unknown status', () => {
    const base = GroupInput.parse(draft());
    const stored = {
      ...base,
      needs: [],
      crisisId: uuidv7(),
      status: 'reported',
      version: 1,
      reportedBy: uuidv7(),
      reportedAt: now(),
      updatedAt: now(),
      mergedInto: null,
    };
    expect(Group.safeParse(stored).success).toBe(true);
    expect(Group.safeParse({ ...stored, status: 'lost' }).success).toBe(false);
    expect(GROUP_STATUSES).toContain(stored.status);
  });
});

describe('Command', () => {
  it('accepts each command type and rejects an unknown one', () => {
    const group = draft();
    expect(Command.safeParse({ type: 'group.report', commandId: uuidv7(), group }).success).toBe(true);
    expect(Command.safeParse({ type: 'group.update', commandId: uuidv7(), groupId: uuidv7(), baseVersion: 1, patch: { notes: 'x' } }).success).toBe(true);
    expect(Command.safeParse({ type: 'group.setStatus', commandId: uuidv7(), groupId: uuidv7(), baseVersion: 2, status: 'verified' }).success).toBe(true);
    expect(Command.safeParse({ type: 'group.delete', commandId: uuidv7(), groupId: uuidv7() }).success).toBe(false);
  });
  it('rejects an edit without the version it was based on', () => {
    expect(Command.safeParse({ type: 'group.update', commandId: uuidv7(), groupId: uuidv7(), patch: { notes: 'x' } }).success).toBe(false);
  });
});

describe('NEED_CLUSTER', () => {
  it('maps every need type to a cluster or sector', () => {
    for (const type of NEED_TYPES) expect(NEED_CLUSTER[type]).toBeTruthy();
  });
});

describe('Agency', () => {
  it('requires a consulate to name its state, and only a consulate', () => {
    const a = { id: uuidv7(), name: 'Embassy of Nigeria', acronym: 'NG-EMB', type: 'consulate', servesState: 'NGA' };
    expect(Agency.safeParse(a).success).toBe(true);
    expect(Agency.safeParse({ ...a, servesState: null }).success).toBe(false);
    expect(Agency.safeParse({ ...a, type: 'un' }).success).toBe(false);
  });
});
