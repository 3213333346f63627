import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { VULNERABILITIES, type Group } from '../../shared/schemas/group.schema';
import { NEED_TYPES } from '../../shared/schemas/need.schema';
import { urgencyOf } from '../../shared/urgency';
import { makeGroup } from '../support/factories';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const base = makeGroup();

const arbGroup = fc
  .record({
    vulns: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: VULNERABILITIES.length, maxLength: VULNERABILITIES.length }),
    needs: fc.uniqueArray(fc.record({ type: fc.constantFrom(...NEED_TYPES), severity: fc.integer({ min: 1, max: 5 }) }), {
      selector: (n) => n.type,
      maxLength: 6,
    }),
    reportedHoursAgo: fc.integer({ min: 0, max: 400 }),
    seenHoursAgo: fc.integer({ min: 0, max: 400 }),
  })
  .map(({ vulns, needs, reportedHoursAgo, seenHoursAgo }): Group => ({
    ...base,
    headcount: { ...base.headcount, total: 100 },
    vulnerabilities: Object.fromEntries(VULNERABILITIES.map((v, i) => [v, vulns[i] ?? 0])) as Group['vulnerabilities'],
    needs: needs.map((n) => ({ id: uuidv7(), type: n.type, severity: n.severity, people: 0, status: 'open' as const })),
    reportedAt: new Date(NOW - reportedHoursAgo * 3_600_000).toISOString(),
    seenAt: new Date(NOW - seenHoursAgo * 3_600_000).toISOString(),
  }));

describe('urgencyOf (properties)', () => {
  it('is the sum of its reasons, listed largest first', () => {
    fc.assert(
      fc.property(arbGroup, (g) => {
        const u = urgencyOf(g, NOW);
        expect(u.score).toBeCloseTo(
          u.reasons.reduce((s, r) => s + r.points, 0),
          5,
        );
        for (let i = 1; i < u.reasons.length; i++) expect(u.reasons[i - 1]!.points).toBeGreaterThanOrEqual(u.reasons[i]!.points);
      }),
    );
  });

  it('never falls when one more vulnerable person is counted or a need gets more severe', () => {
    fc.assert(
      fc.property(arbGroup, fc.constantFrom(...VULNERABILITIES), (g, v) => {
        const more = { ...g, vulnerabilities: { ...g.vulnerabilities, [v]: g.vulnerabilities[v] + 1 } };
        expect(urgencyOf(more, NOW).score).toBeGreaterThanOrEqual(urgencyOf(g, NOW).score);
        const worse = { ...g, needs: g.needs.map((n) => ({ ...n, severity: Math.min(5, n.severity + 1) })) };
        expect(urgencyOf(worse, NOW).score).toBeGreaterThanOrEqual(urgencyOf(g, NOW).score);
      }),
    );
  });
});
