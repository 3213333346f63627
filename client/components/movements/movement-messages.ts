import { MOVEMENT_REFUSALS, type MovementRefusal } from '../../../shared/movements';
import type { Failure } from '../../../shared/protocol';
import type { MovementCommand } from '../../../shared/schemas/movement-command.schema';
import type { LegInput } from '../../../shared/schemas/movement.schema';
import { i18n, t } from '../../lib/i18n/i18n.svelte';

/** Which end of a leg is being chosen (on the map, or by a place's name). */
export type LegEndName = 'from' | 'to';

/** The movement a coordinator adds a leg to, and the version it had when "Add a leg" was pressed (the edit's base). */
export interface LegTarget {
  movementId: string;
  baseVersion: number;
}

/** Issue codes of a refused movement command that name their rule (the rules' own, and the checks of a leg's site and carrier). */
const NAMED: ReadonlySet<string> = new Set<string>([...MOVEMENT_REFUSALS, 'site_unknown', 'carrier_unknown']);
type Named = MovementRefusal | 'site_unknown' | 'carrier_unknown';

/**
 * What a person reads when a movement command is refused: the rule that stopped it, in their
 * language, when the server named one (the issue code); else the failure's kind ("not found").
 * The server's own sentence is English, so it is not shown.
 */
export function refusalText(failure: Pick<Failure, 'code' | 'issues'>): string {
  const code = failure.issues?.find((i) => i.code !== undefined && NAMED.has(i.code))?.code;
  if (code) return t(`movement.refusal.${code as Named}`);
  // "Not found" is said of the movement or its group alike (a consulate is told nothing more: protection rule 1).
  return failure.code === 'not_found' ? t('movement.notFound') : t(`ack.${failure.code}`);
}

/** The arrow from a leg's start to its end, pointing the way the page reads (an Arabic page reads right to left). */
export const arrow = (): string => (i18n.dir === 'rtl' ? '←' : '→');

/** A movement as a line: where it goes, from its first leg's start to its last leg's end. */
export function routeOf(legs: readonly Pick<LegInput, 'from' | 'to'>[] | undefined): string {
  if (!legs || legs.length === 0) return '';
  // Each name is isolated (FSI … PDI, as <bdi> does in markup), so Latin names on an Arabic page
  // do not pull the arrow into their own direction.
  const isolate = (name: string | undefined) => `\u2068${name ?? ''}\u2069`;
  return `${isolate(legs[0]?.from.place.name)} ${arrow()} ${isolate(legs.at(-1)?.to.place.name)}`;
}

/** The title of a movement command waiting in the outbox (or refused there), one per command type. */
export function movementCommandTitle(command: MovementCommand): string {
  switch (command.type) {
    case 'movement.create':
      return t('movement.outbox.create', { kind: t(`movement.kind.${command.movement.kind}`) });
    case 'movement.update':
      return t('movement.outbox.update');
    case 'movement.addGroup':
      return t('movement.outbox.addGroup');
    case 'movement.removeGroup':
      return t('movement.outbox.removeGroup');
    case 'movement.setLegStatus':
      return t('movement.outbox.leg', { status: t(`movement.leg.${command.status}`) });
    case 'movement.checkIn':
      return t('movement.outbox.checkIn', { state: t(`movement.state.${command.state}`) });
    case 'movement.confirmDocuments':
      return t('movement.outbox.documents', { status: t(`movement.documents.${command.status}`) });
  }
}
