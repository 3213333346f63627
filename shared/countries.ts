import countries from 'i18n-iso-countries';
import { z } from 'zod';

const ALPHA3 = new Set(Object.keys(countries.getAlpha3Codes()));

/** An ISO 3166-1 alpha-3 country code that exists. */
export const Iso3 = z
  .string()
  .regex(/^[A-Z]{3}$/, 'expected an ISO 3166-1 alpha-3 code')
  .refine((code) => ALPHA3.has(code), 'unknown ISO 3166-1 alpha-3 code');
export type Iso3 = z.infer<typeof Iso3>;

/** All alpha-3 codes, sorted, for pickers. */
export function allIso3(): string[] {
  return [...ALPHA3].sort();
}

/** Alpha-2 for an alpha-3 code, for `Intl.DisplayNames`, which names countries in any language. */
export function iso3ToIso2(code: string): string | undefined {
  return countries.alpha3ToAlpha2(code);
}

/** Alpha-3 for an ISO 3166-1 numeric code, as Natural Earth / world-atlas uses. */
export function numericToIso3(numeric: string): string | undefined {
  return countries.numericToAlpha3(numeric);
}
