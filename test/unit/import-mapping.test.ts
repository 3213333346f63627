import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { groupsCsv } from '../../shared/exports/group-export';
import {
  choiceColumns,
  countFromChoice,
  dayMonthKind,
  emptyMapping,
  guessMapping,
  importIds,
  isHxlRow,
  normalizeHeader,
  rowToGroup,
  type ImportMapping,
} from '../../shared/import-mapping';
import { makeGroup } from '../support/factories';

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

  it("applies the group schema's own rules", () => {
    const m = map({ seenAt: 0, lat: 1, lon: 2, headcountTotal: 3, nationality: 4 });
    const result = rowToGroup(['2026-11-20', '32', '13', '5', 'NGA:4 NER:4'], m, CRISIS);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reasons[0]).toMatchObject({ code: 'rule', field: 'nationality' });
  });
});

describe('every problem of a row, without its content', () => {
  it("lists cell problems and the schema's rules together, each once, and never a cell's content", () => {
    const m = map({ seenAt: 0, lat: 1, lon: 2, headcountTotal: 3, nationality: 4, needs: 5, severity: 6 });
    // Four problems: a lost date, a bad longitude, more nationals than people, a severity of 9.
    const cells = ['SECRET-date', '32.5', 'SECRET-lon', '5', 'NGA:4 NER:4', 'water', '9'];
    const result = rowToGroup(cells, m, CRISIS);
    if (result.ok) throw new Error('accepted');
    expect(result.reasons.map((r) => `${r.code}:${r.field}`).sort()).toEqual(['bad_date:seenAt', 'not_a_number:lon', 'rule:nationality', 'rule:needs']);
    expect(JSON.stringify(result.reasons)).not.toContain('SECRET');
    expect(result.reasons.every((r) => r.value === null)).toBe(true);
  });

  it('checks points against the crisis area with a margin, and says when a swap would fit', () => {
    const m = map({ seenAt: 0, lat: 1, lon: 2, headcountTotal: 3 });
    const libya = [9.3, 19.5, 25.2, 33.2] as const;
    const at = (lat: string, lon: string) => rowToGroup(['2026-11-20', lat, lon, '5'], m, CRISIS, { area: libya });
    expect(at('32.8872', '13.1913').ok).toBe(true);
    expect(at('33.6', '25.6').ok).toBe(true); // within the 0.5° margin
    const codes = (r: ReturnType<typeof at>) => (r.ok ? [] : r.reasons.map((x) => x.code));
    expect(codes(at('13.1913', '32.8872'))).toEqual(['swapped_coordinates']);
    expect(codes(at('-33.9', '18.4'))).toEqual(['outside_area']);
  });
});

describe('Kobo and ODK columns keep their meaning', () => {
  it('takes the interview\'s end before the server\'s submission time, and "#date+seen" before "#date+reported"', () => {
    expect(guessMapping(['start', 'end', '_submission_time'], null)).toMatchObject({ seenAt: 1 });
    expect(guessMapping(['Reported', 'Last seen'], ['#date+reported', '#date+seen'])).toMatchObject({ seenAt: 1 });
    // A file whose only date is a report date still has one.
    expect(guessMapping(['a', 'b'], ['#date+reported', '#geo+lat'])).toMatchObject({ seenAt: 0 });
  });

  it("leaves a select-multiple's 0/1 columns out of the count fields", () => {
    const headers = ['vulnerabilities', 'vulnerabilities/disability', 'vulnerabilities/detained', 'group/disability_count'];
    expect(choiceColumns(headers)).toEqual([1, 2]);
    expect(guessMapping(headers, null)).toMatchObject({ disability: null, detained: null });
    expect(countFromChoice(map({ disability: 1 }), [1, 2])).toBe('disability');
    expect(countFromChoice(map({ notes: 1 }), [1, 2])).toBeNull();
  });

  it('reads a day/month date only once the order is chosen, and refuses one that does not exist', () => {
    const m = map({ seenAt: 0, lat: 1, lon: 2, headcountTotal: 3 });
    const row = (date: string, dateOrder: 'dmy' | 'mdy' | null) => rowToGroup([date, '32', '13', '5'], m, CRISIS, { dateOrder });
    expect(dayMonthKind('03/04/2026')).toBe('ambiguous');
    expect(dayMonthKind('13/04/2026')).toBe('day_first');
    expect(dayMonthKind('04/13/2026')).toBe('month_first');
    expect(dayMonthKind('2026-04-03')).toBeNull();
    const unasked = row('03/04/2026', null);
    expect(!unasked.ok && unasked.reasons.map((r) => r.code)).toEqual(['date_order']);
    const dmy = row('03/04/2026', 'dmy');
    expect(dmy.ok && dmy.input.seenAt).toBe('2026-04-03T00:00:00.000Z');
    const mdy = row('03/04/2026', 'mdy');
    expect(mdy.ok && mdy.input.seenAt).toBe('2026-03-04T00:00:00.000Z');
    const none = row('31/02/2026', 'dmy');
    expect(!none.ok && none.reasons.map((r) => r.code)).toEqual(['bad_date']);
  });
});

describe("a round trip of Waymark's own groups export", () => {
  it('reads every exported group back, field by field, into another crisis as new groups', () => {
    const ngaNer = makeGroup({
      nationalities: [
        { code: 'NGA', count: 6 },
        { code: 'NER', count: 3 },
      ],
      intention: 'stay',
    });
    const csv = groupsCsv([ngaNer], [], { hostCountry: 'LBY' });
    const [headers, hxl, cells] = parse(csv, { bom: true }) as string[][];
    const mapping = guessMapping(headers!, hxl!);
    const other = '0196a2b0-0000-7000-8000-000000000002';
    const result = rowToGroup(cells!, mapping, other);
    if (!result.ok) throw new Error(JSON.stringify(result.reasons));
    expect(result.input.id).not.toBe(ngaNer.id);
    expect(result.input).toMatchObject({
      location: { lat: ngaNer.location.lat, lon: ngaNer.location.lon, placeName: ngaNer.location.placeName, siteType: ngaNer.location.siteType },
      seenAt: ngaNer.seenAt,
      headcount: { total: ngaNer.headcount.total },
      nationalities: ngaNer.nationalities,
      intention: 'stay',
    });
    expect(result.input.needs.map((n) => n.type)).toEqual(ngaNer.needs.map((n) => n.type));
  });
});
