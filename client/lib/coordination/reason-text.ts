import type { NeedType } from '../../../shared/schemas/need.schema';
import type { UrgencyReason } from '../../../shared/urgency';
import { i18n, t } from '../i18n/i18n.svelte';

/** One urgency reason in words, from the catalogue. */
export function reasonText(r: UrgencyReason): string {
  switch (r.kind) {
    case 'vulnerability':
      return t(`coord.reason.vulnerability.${r.vulnerability}`, { count: r.count });
    case 'need':
      return t(r.assigned ? 'coord.reason.need.assigned' : 'coord.reason.need.open', {
        need: t(`need.${r.need}`).toLowerCase(),
        severity: r.severity,
      });
    case 'waiting':
      return t('coord.reason.waiting', { hours: r.hours });
    case 'notSeen':
      return t('coord.reason.notSeen', { hours: r.hours });
  }
}

/**
 * The first few reasons joined into one line ("3 unaccompanied children, no water, waiting 9 h").
 * Needs the person filtered by come first, so a queue filtered to water says so on every row.
 */
export function reasonLine(reasons: readonly UrgencyReason[], max = 3, focus: readonly NeedType[] = []): string {
  const focused = (r: UrgencyReason) => r.kind === 'need' && focus.includes(r.need);
  const ordered = [...reasons.filter(focused), ...reasons.filter((r) => !focused(r))];
  return i18n.list(ordered.slice(0, max).map(reasonText));
}
