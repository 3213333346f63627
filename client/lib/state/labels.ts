import { iso3ToIso2 } from '../../../shared/countries';
import { i18n, t } from '../i18n/i18n.svelte';

/** The name of a nationality code (ISO alpha-3, `stateless` or `unknown`) in the active language. */
export function nationalityName(code: string): string {
  if (code === 'stateless') return t('nationality.stateless');
  if (code === 'unknown') return t('nationality.unknown');
  const iso2 = iso3ToIso2(code);
  return iso2 ? i18n.country(iso2) : code;
}
