import type { GroupSummary, SummaryView } from '../../../shared/packed-views';
import type { Group, GroupView } from '../../../shared/schemas/group.schema';

/**
 * A group as the client holds it: a view the server projected for this user, or a summary (a big
 * crisis's coordinator starts from summaries, shared/packed-views.ts `summarizeGroup`). A summary
 * is a kind of its own, not a full group with stand-in values, so every screen must decide what
 * to show of it: an exhaustive `switch` on `view` fails the type check when a kind is forgotten.
 * A summary's details come from the audited read of the full group (`SyncClient.readGroup`), and
 * any full view (a live change, a catch-up, a command's answer, that read) replaces it.
 */
export type HeldView = GroupView | SummaryView;

/** What a coordinator's screens read of a group: the full group, or its summary. */
export type CoordinatedGroup = Group | GroupSummary;

/** The group of a full view or a summary, for the screens that read either; undefined for the other views. */
export function coordinatedGroupOf(view: HeldView | undefined): CoordinatedGroup | undefined {
  if (view === undefined) return undefined;
  switch (view.view) {
    case 'full':
    case 'summary':
      return view.group;
    case 'reduced':
    case 'nationals':
      return undefined;
  }
}

/**
 * The views held, when every one is a view the server projected; null when one is a summary. What
 * the device copy keeps as groups: it is read back through the views' schema, which a summary does
 * not pass (so a device holding summaries keeps the packed snapshot they came in instead).
 */
export function projectedViews(held: Iterable<HeldView>): GroupView[] | null {
  const views: GroupView[] = [];
  for (const view of held) {
    switch (view.view) {
      case 'full':
      case 'reduced':
      case 'nationals':
        views.push(view);
        break;
      case 'summary':
        return null;
    }
  }
  return views;
}
