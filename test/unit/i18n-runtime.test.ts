import { afterEach, describe, expect, it } from 'vitest';
import { LOCALES, i18n, matchLocale, t } from '../../client/lib/i18n/i18n.svelte';

// The words around the catalogues: which language starts, which plural form a count picks, and
// which digits numbers are written with.

describe('matchLocale', () => {
  it('takes the first browser language the app speaks, by its primary subtag', () => {
    expect(matchLocale(['de-DE', 'fr-CA', 'en']).code).toBe('fr');
    expect(matchLocale(['ar-LY']).code).toBe('ar');
    expect(matchLocale(['ar_EG']).code).toBe('ar');
  });

  it('falls back to English when the browser asks for nothing the app speaks', () => {
    expect(matchLocale(['de', 'tr']).code).toBe('en');
    expect(matchLocale([]).code).toBe('en');
  });
});

describe('LOCALES', () => {
  it('names each language in itself and lays Arabic out right to left', () => {
    expect(LOCALES.map((l) => [l.code, l.name, l.dir])).toEqual([
      ['en', 'English', 'ltr'],
      ['fr', 'Français', 'ltr'],
      ['ar', 'العربية', 'rtl'],
    ]);
  });
});

describe('I18n', () => {
  afterEach(() => i18n.setLocale('en'));

  it('picks the Arabic plural form a count needs', () => {
    i18n.setLocale('ar');
    expect(t('list.count', { count: 1 })).toBe('مجموعة واحدة');
    expect(t('list.count', { count: 2 })).toBe('مجموعتان');
    expect(t('list.count', { count: 3 })).toBe('3 مجموعات');
    expect(t('list.count', { count: 11 })).toBe('11 مجموعة');
    expect(t('list.count', { count: 100 })).toBe('100 مجموعة');
  });

  it('uses the French "one" form for zero as well as one', () => {
    i18n.setLocale('fr');
    expect(t('list.count', { count: 0 })).toBe('0 groupe');
    expect(t('list.count', { count: 1 })).toBe('1 groupe');
    expect(t('list.count', { count: 2 })).toBe('2 groupes');
  });

  it('writes Arabic numbers and dates with Latin digits', () => {
    i18n.setLocale('ar');
    expect(i18n.format(12345)).toBe('12,345');
    expect(i18n.dateTime('2026-03-05T10:00:00Z')).toMatch(/2026/);
    expect(i18n.relativeTime('2026-03-05T10:00:00Z', Date.parse('2026-03-05T13:00:00Z'))).not.toMatch(/[\u0660-\u0669]/);
  });

  it('joins words as a list of the active language', () => {
    expect(i18n.list(['water', 'food', 'shelter'])).toBe('water, food, shelter');
    i18n.setLocale('fr');
    expect(i18n.list(['eau', 'abri'])).toBe('eau et abri');
  });

  it('names countries in the active language', () => {
    i18n.setLocale('fr');
    expect(i18n.country('DE')).toBe('Allemagne');
    i18n.setLocale('ar');
    expect(i18n.country('LY')).toBe('ليبيا');
  });

  it('ignores a language it does not speak', () => {
    i18n.setLocale('xx');
    expect(i18n.code).toBe('en');
  });
});
