import type { ImportField } from '../../../shared/import-mapping';
import type { RowReason } from '../../../shared/schemas/import.schema';
import { t } from '../../lib/i18n/i18n.svelte';

/**
 * One reason a row is refused, in words: the field's label and the column's header (never the
 * cell's content), and the rule broken. `column` names the column a field is read from.
 */
export function reasonText(reason: RowReason, column: (field: ImportField) => string | null): string {
  const field = reason.field ? t(`import.field.${reason.field}`) : '';
  const header = (reason.field && column(reason.field)) || t('import.column.unmapped');
  const detail = reason.detail ?? '';
  if (reason.code === 'rule' && !reason.field) return t('import.reason.ruleOnly', { detail });
  if (reason.code === 'duplicate_row') return t('import.reason.duplicate_row', { value: reason.value ?? '' });
  if (reason.code === 'unknown_value' && /^item \d+$/.test(detail)) return t('import.reason.unknown_item', { field, column: header, detail: detail.slice(5) });
  if (reason.code === 'unknown_value') return t('import.reason.unknown_value', { field, column: header });
  if (reason.code === 'rule') return t('import.reason.rule', { field, column: header, detail });
  return t(`import.reason.${reason.code}`, { field, column: header });
}
