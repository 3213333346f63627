import type { UrgencyReason } from '../../../shared/urgency';
import { t } from '../i18n/i18n.svelte';

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

/** The first few reasons joined into one line ("3 unaccompanied children, no water, waiting 9 h"). */
export function reasonLine(reasons: readonly UrgencyReason[], max = 3): string {
  return reasons.slice(0, max).map(reasonText).join(', ');
}
