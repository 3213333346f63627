import type { RowReason } from '../../../shared/schemas/import.schema';
import { t } from '../../lib/i18n/i18n.svelte';

/** One reason a row is refused, in words: the field's label, the value read, the rule broken. */
export function reasonText(reason: RowReason): string {
  const field = reason.field ? t(`import.field.${reason.field}`) : '';
  if (reason.code === 'rule' && !reason.field) return t('import.reason.ruleOnly', { detail: reason.detail ?? '' });
  return t(`import.reason.${reason.code}`, { field, value: reason.value ?? '', detail: reason.detail ?? '' });
}
