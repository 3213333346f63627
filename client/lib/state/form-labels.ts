import { t } from '../i18n/i18n.svelte';
import type { NeedType } from '../../../shared/schemas/need.schema';
import type { AgeBand, DocumentState, Sex, Vulnerability } from './group-form';

/**
 * The label of the field behind a field key, for the error summary: "Number of people",
 * "Female, Under 5", "Nationality 2"... `rowIndex` finds a nationality row's position.
 */
export function fieldLabel(key: string, rowIndex: (rowKey: string) => number): string {
  const [head, second, third] = key.split('.');
  switch (head) {
    case 'location':
      if (second === 'placeName') return t('form.placeName');
      if (second === 'siteType') return t('form.siteType');
      if (second === 'siteId') return t('sites.link.label');
      return t('form.location');
    case 'headcount':
      if (second === 'female' || second === 'male') {
        return t('form.headcount.cell', { sex: t(`sex.${second as Sex}`), age: t(`age.${third as AgeBand}`) });
      }
      return t('form.headcount.total');
    case 'nationalities':
      return second ? t('form.nationalities.row', { index: rowIndex(second) + 1 }) : t('form.nationalities');
    case 'needs':
      return second ? t(`need.${second as NeedType}`) : t('form.needs');
    case 'vulnerabilities':
      return second ? t(`vuln.${second as Vulnerability}`) : t('form.vulnerabilities');
    case 'documents':
      return second ? t(`doc.${second as DocumentState}`) : t('form.documents');
    case 'seenAt':
      return t('form.seenAt');
    case 'intention':
      return t('form.intention');
    case 'consentConsulate':
      return t('form.consent');
    case 'protectionConcern':
      return t('form.protection');
    case 'notes':
      return t('form.notes');
    default:
      return t('form.title');
  }
}
