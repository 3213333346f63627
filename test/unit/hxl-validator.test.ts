import { describe, expect, it } from 'vitest';
import { HXL_HASHTAGS } from '../support/hxl-dictionary';
import { dataTypeOf, validateHxlCsv } from '../support/hxl-validator';

const csv = (rows: string[][]) => rows.map((r) => r.join(',')).join('\r\n');

describe(validateHxlCsv.name, () => {
  it('accepts numbers under numeric hashtags, dates under #date, ISO3 under #country+code', () => {
    const file = csv([
      ['id', 'country', 'lat', 'people', 'when', 'note'],
      ['#meta+id', '#country+code', '#geo+lat', '#affected+migrants+total', '#date+reported', '#indicator+text+intention'],
      ['a1', 'LBY', '32.1', '12', '2026-11-10T08:00:00.000Z', 'stay'],
      ['a2', '', '', '', '', ''],
    ]);
    expect(validateHxlCsv(file)).toEqual([]);
  });

  it('lists every misuse the old exports had, by row and column', () => {
    const file = csv([
      ['id', 'nat', 'intention', 'people', 'n', 'seen', 'lat', 'country'],
      [
        '#group+id',
        '#affected+migrants+nationality',
        '#affected+migrants+intention',
        '#affected+migrants+total',
        '#status+proposed+num',
        '#date+seen',
        '#geo+lat',
        '#country+code',
      ],
      ['x', 'NGA:6', 'stay', '<5', 'two', '03/04/2026', '132', 'Libya'],
    ]);
    const problems = validateHxlCsv(file).map((e) => `${e.row} ${e.column}: ${e.problem}`);
    expect(problems).toEqual([
      '2 #group+id: #group is a non-humanitarian actor, not a record id',
      '3 #affected+migrants+nationality: not a number under a numeric hashtag',
      '3 #affected+migrants+intention: not a number under a numeric hashtag',
      '3 #affected+migrants+total: not a number under a numeric hashtag',
      '3 #status+proposed+num: not a number under a numeric hashtag',
      '3 #date+seen: not an ISO 8601 date',
      '3 #geo+lat: latitude not a number from -90 to 90',
      '3 #country+code: country code not ISO 3166-1 alpha-3',
    ]);
  });

  it('refuses a hashtag outside the dictionary and an attribute nobody declared, allows #x_ hashtags', () => {
    const file = csv([
      ['a', 'b', 'c'],
      ['#nationality', '#affected+migrnts', '#x_virulence'],
      ['1', '2', 'high'],
    ]);
    expect(validateHxlCsv(file).map((e) => e.problem)).toEqual(['unknown hashtag #nationality', 'undeclared attribute +migrnts']);
  });

  it('gives every hashtag an explicit data type, and +num makes text numeric', () => {
    for (const tag of ['#population', '#affected', '#inneed', '#targeted', '#reached', '#value']) expect(HXL_HASHTAGS[tag]?.type).toBe('number');
    expect(HXL_HASHTAGS['#date']?.type).toBe('date');
    expect(dataTypeOf('#indicator', ['num'])).toBe('number');
    expect(dataTypeOf('#indicator', ['text'])).toBe('text');
    expect(dataTypeOf('#output', ['num'])).toBe('number');
  });
});
