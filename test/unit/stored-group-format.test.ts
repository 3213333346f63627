import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GROUP_DATA_FORMAT, readLoggedGroup } from '../../server/repositories/group.repository';
import { NO_ADMIN_AREAS } from '../../shared/schemas/admin-area.schema';
import { Group } from '../../shared/schemas/group.schema';
import { makeGroup } from '../support/factories';
import { groupArb } from '../support/group-arbitrary';

// A group logged by this version is read back as written (no second pass through the schema: a
// node reading another node's changes spent most of that read there); a row of any other format
// goes through the schema and its defaults, as every row did before.

/** `g` with every part's count cut down to fit its total (the schema's cross-field rules). */
function consistent(g: Group): Group {
  const total = g.headcount.total;
  const fit = (counts: Record<string, number>): Record<string, number> => {
    const share = Math.floor(total / (2 * Object.keys(counts).length));
    return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v % (share + 1)]));
  };
  const nationalities = g.nationalities.filter((n, i) => g.nationalities.findIndex((m) => m.code === n.code) === i);
  return {
    ...g,
    headcount: { total, female: fit(g.headcount.female) as Group['headcount']['female'], male: fit(g.headcount.male) as Group['headcount']['male'] },
    nationalities: nationalities.map((n) => ({ ...n, count: n.count % (Math.floor(total / 4) + 1) })),
    vulnerabilities: fit(g.vulnerabilities) as Group['vulnerabilities'],
    documents: fit(g.documents) as Group['documents'],
    needs: g.needs.map((n) => ({ ...n, people: n.people % (total + 1) })),
  };
}

/**
 * Group's schema as JSON Schema (its fields, types, bounds and defaults), hashed. Refinements
 * across fields do not show in it: a change to one of those needs the same thought as below.
 */
const schemaFingerprint = (): string =>
  createHash('sha256')
    .update(JSON.stringify(z.toJSONSchema(Group, { unrepresentable: 'any' })))
    .digest('hex')
    .slice(0, 16);

describe("the change log's stored group format", () => {
  it('reads a group this version wrote as the schema would read it: the stored form is a fixed point', () => {
    fc.assert(
      fc.property(groupArb.map(consistent), (candidate) => {
        const parsed = Group.safeParse(candidate);
        fc.pre(parsed.success);
        const stored = JSON.stringify(parsed.data);
        expect(readLoggedGroup(stored, GROUP_DATA_FORMAT)).toEqual(Group.parse(JSON.parse(stored)));
      }),
      { numRuns: 300 },
    );
  });

  it('takes a row of the current format as written, and reads any other through the schema and its defaults', () => {
    const group = makeGroup();
    const { admin: _admin, followUpBy: _followUpBy, ...rest } = group;
    const older = JSON.stringify({ ...rest, location: { ...rest.location, placeName: '  kept as written  ' } });
    // Older rows (NULL: before the column existed; a lower number: an older shape) get the defaults.
    for (const format of [null, undefined, GROUP_DATA_FORMAT - 1]) {
      const read = readLoggedGroup(older, format);
      expect(read.admin).toEqual(NO_ADMIN_AREAS);
      expect(read.followUpBy).toEqual([]);
      expect(read.location.placeName).toBe('kept as written');
    }
    expect(readLoggedGroup(older, GROUP_DATA_FORMAT)).toEqual(JSON.parse(older));
    // An older row the schema refuses is refused, not passed on.
    expect(() => readLoggedGroup(JSON.stringify({ ...group, headcount: { total: -1 } }), null)).toThrow();
  });

  it('names the Group schema it was written for: a change to the schema must bump GROUP_DATA_FORMAT', () => {
    // If this fails, Group's schema changed. Rows written before the change keep the old format
    // number and must go through the schema (its new defaults): bump GROUP_DATA_FORMAT in
    // server/repositories/group.repository.ts, then record the new fingerprint and format here.
    expect({ format: GROUP_DATA_FORMAT, fingerprint: schemaFingerprint() }).toEqual({ format: 1, fingerprint: 'af451ac03ab38d05' });
  });
});
