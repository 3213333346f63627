import type { ShownFigure } from '../../../shared/consular';
import { i18n, t } from '../i18n/i18n.svelte';

/** A consular figure as shown ("<5" stays "<5"), with "at least" when it holds area counts (the truth may be higher). */
export function shownFigure(f: ShownFigure | undefined): string {
  if (!f) return t('consular.none');
  const base = f.shown === null ? t('consular.none') : typeof f.shown === 'number' ? i18n.format(f.shown) : f.shown;
  return f.more ? t('consular.atLeast', { n: base }) : base;
}
