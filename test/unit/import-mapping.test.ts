import { describe, expect, it } from 'vitest';
import { emptyMapping, guessMapping, importIds, isHxlRow, normalizeHeader, rowToGroup, type ImportMapping } from '../../shared/import-mapping';

const CRISIS = '0196a2b0-0000-7000-8000-000000000001';
const map = (m: Partial<ImportMapping>): ImportMapping => ({ ...emptyMapping(), ...m });

describe('guessMapping', () => {
  it('reads Kobo and ODK headers', () => {
    expect(normalizeHeader('group_x/headcount_total')).toBe('headcount_total');
    expect(normalizeHeader('meta/instanceID')).toBe('instanceid');
    const kobo = guessMapping(['_uuid', '_submission_time', '_gps_latitude', '_gps_longitude', '_gps_precision', 'group/headcount_total', 'needs'], null);
    expect(kobo).toMatchObject({ sourceId: 0, seenAt: 1, lat: 2, lon: 3, accuracyM: 4, headcountTotal: 5, needs: 6 });
    const odk = guessMapping(['SubmissionDate', 'gps', 'people', 'meta:instanceID'], null);
    expect(odk).toMatchObject({ seenAt: 0, geopoint: 1, headcountTotal: 2, sourceId: 3, lat: null });
    // ODK Central's CSV: dashes for groups.
    const central = guessMapping(['SubmissionDate', 'location-Latitude', 'location-Longitude', 'meta-instanceID'], null);
    expect(central).toMatchObject({ seenAt: 0, lat: 1, lon: 2, sourceId: 3 });
  });

  it('lets HXL hashtags decide before headers', () => {
    const headers = ['a', 'b', 'c', 'latitude'];
    const hxl = ['#geo +lat', '#geo+lon', '#affected+migrants+total', ''];
    expect(isHxlRow(hxl)).toBe(true);
    expect(isHxlRow(['12', 'NGA', '#notatag'])).toBe(false);
    expect(guessMapping(headers, hxl)).toMatchObject({ lat: 0, lon: 1, headcountTotal: 2 });
  });
});

describe('rowToGroup', () => {
  it('builds a GroupInput with derived, stable ids', () => {
    const m = map({ sourceId: 0, seenAt: 1, geopoint: 2, headcountTotal: 3, nationality: 4, needs: 5 });
    const cells = ['uuid:ABC-1', '2026-11-20 08:14', '32.5 13.2 10 7.5', '10', 'Burkina Faso', 'water Health'];
    const result = rowToGroup(cells, m, CRISIS);
    if (!result.ok) throw new Error(JSON.stringify(result.reasons));
    expect(result.input).toMatchObject({
      seenAt: '2026-11-20T08:14:00.000Z',
      location: { lat: 32.5, lon: 13.2, accuracyM: 7.5 },
      headcount: { total: 10 },
      nationalities: [{ code: 'BFA', count: 10 }],
    });
    expect(result.input.needs.map((n) => n.type)).toEqual(['water', 'medical']);
    // The same submission (any case, with or without "uuid:") gets the same ids.
    const again = rowToGroup(['abc-1', ...cells.slice(1)], m, CRISIS);
    expect(again.ok && again.input.id).toBe(result.input.id);
    expect(importIds(CRISIS, result.key).groupId).toBe(result.input.id);
  });

  it('names every problem of a row by field', () => {
    const m = map({ seenAt: 0, lat: 1, lon: 2, headcountTotal: 3, nationality: 4, needs: 5, protectionConcern: 6 });
    const result = rowToGroup(['yesterday', '', 'x', '3', 'Atlantis', 'water blankets', 'maybe'], m, CRISIS);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reasons.map((r) => `${r.code}:${r.field}`)).toEqual([
      'required:lat',
      'not_a_number:lon',
      'bad_date:seenAt',
      'unknown_value:nationality',
      'unknown_value:needs',
      'unknown_value:protectionConcern',
    ]);
  });

  it('applies the group schema\'s own rules', () => {
    const m = map({ seenAt: 0, lat: 1, lon: 2, headcountTotal: 3, nationality: 4 });
    const result = rowToGroup(['2026-11-20', '32', '13', '5', 'NGA:4 NER:4'], m, CRISIS);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reasons[0]).toMatchObject({ code: 'rule', field: 'nationality' });
  });
});
