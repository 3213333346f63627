import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateForEmbassy, roundCount, showCount, SUPPRESSED } from '../../shared/aggregate';
import { h3AreaIndex } from '../../server/services/h3-area-index';
import { makeGroup } from '../support/factories';

describe(showCount.name, () => {
  it('leaves zero out, shows 1 to 4 as "<5" and 5 and more as the number', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 120].map(showCount)).toEqual([null, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED, 5, 6, 120]);
  });

  it('never shows a number from 1 to 4, for any count', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 1_000_000 }), (n) => {
        const shown = showCount(n);
        expect(typeof shown === 'number' ? shown >= 5 : shown === null || shown === SUPPRESSED).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe(roundCount.name, () => {
  it('leaves zero out, shows 1 to 4 as "<5" and rounds 5 and more down to a multiple of 5', () => {
    expect([0, 1, 4, 5, 9, 10, 27, 120].map(roundCount)).toEqual([null, SUPPRESSED, SUPPRESSED, 5, 5, 10, 25, 120]);
  });
});

describe(aggregateForEmbassy.name, () => {
  it('counts nothing for an audience that serves no state', () => {
    expect(aggregateForEmbassy([makeGroup({ consentConsulate: 'no' })], null, h3AreaIndex).areas).toEqual([]);
  });

  it('puts groups into H3 cells of about 250 km² and draws the cell, not the point', () => {
    const group = makeGroup({ consentConsulate: 'no', nationalities: [{ code: 'NGA', count: 7 }] });
    const [area] = aggregateForEmbassy([group], 'NGA', h3AreaIndex).areas;

    expect(area?.area).toMatch(/^85/); // resolution 5
    expect(area?.outline.length).toBeGreaterThanOrEqual(6);
    expect(area?.centre).not.toEqual([group.location.lon, group.location.lat]);
    // 7 released as 5 (rounded down to a multiple of 5: rule 10).
    expect(area).toMatchObject({ people: 5, byStatus: { reported: 5 } });
  });

  it('leaves out the groups the embassy sees in full, so they cannot be subtracted from a count', () => {
    const seen = makeGroup({ consentConsulate: 'yes', nationalities: [{ code: 'NGA', count: 8 }] });
    const hidden = makeGroup({ consentConsulate: 'not_asked', nationalities: [{ code: 'NGA', count: 2 }] });

    const [area] = aggregateForEmbassy([seen, hidden], 'NGA', h3AreaIndex).areas;

    expect(area?.people).toBe(SUPPRESSED);
  });

  it('does not count a duplicate, whose people are in the group it was merged into', () => {
    const kept = makeGroup({ consentConsulate: 'no', nationalities: [{ code: 'NGA', count: 7 }] });
    const duplicate = makeGroup({ consentConsulate: 'no', nationalities: [{ code: 'NGA', count: 7 }], status: 'duplicate', mergedInto: kept.id });

    const [area] = aggregateForEmbassy([kept, duplicate], 'NGA', h3AreaIndex).areas;

    expect(area?.people).toBe(5);
  });
});
