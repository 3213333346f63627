import { describe, expect, it } from 'vitest';
import { BatchesUnderWay } from '../../client/lib/map/under-way';

describe('BatchesUnderWay', () => {
  it('lets first points go onto a map whose only batch on its way draws no groups', () => {
    const underWay = new BatchesUnderWay();
    const empty = underWay.depart(0);
    // The names still wait for it; the points need not.
    expect(underWay.any).toBe(true);
    expect(underWay.drawsGroups).toBe(false);
    const points = underWay.depart(100_000);
    expect(underWay.drawsGroups).toBe(true);
    // The empty batch arrives first: the points are still on their way, and the names still wait.
    empty();
    expect(underWay.any).toBe(true);
    expect(underWay.drawsGroups).toBe(true);
    points();
    expect(underWay.any).toBe(false);
    expect(underWay.drawsGroups).toBe(false);
  });

  it('holds first points back while groups are on their way, and counts each arrival once', () => {
    const underWay = new BatchesUnderWay();
    const groups = underWay.depart(300);
    expect(underWay.drawsGroups).toBe(true);
    groups();
    groups();
    const other = underWay.depart(0);
    expect(underWay.any).toBe(true);
    other();
    expect(underWay.any).toBe(false);
  });
});
