import { z } from 'zod';
import { MovementKind, MovementMode } from '../schemas/movement.schema';
import { ShownCount } from '../suppression';

// The movement exports' routes and report lines, apart from their CSV writer (which needs Node's
// csv-stringify): the client imports these, and must not pull the writer into the browser bundle.

/** REST routes of the movement exports (coordinators, and the carrier's responders for its own movements). */
export const MOVEMENT_EXPORT_ROUTES = {
  /** GET: the carrier's manifest as CSV: reference, headcount, special needs, pickup point. */
  manifestCsv: (id: string) => `/api/exports/movements/${id}/manifest.csv`,
  /** GET: the same manifest as a printable HTML page. */
  manifestHtml: (id: string) => `/api/exports/movements/${id}/manifest.html`,
} as const;

/** Where a movement stands, for the situation report. */
export const MovementPhase = z.enum(['planned', 'underway', 'arrived', 'cancelled']);
export type MovementPhase = z.infer<typeof MovementPhase>;

/** A movement's line in the situation report: what, how, where, and how many of its people are where. */
export const MovementLine = z.object({
  kind: MovementKind,
  mode: MovementMode,
  from: z.string(),
  to: z.string(),
  phase: MovementPhase,
  seats: z.number().int(),
  listed: z.number().int(),
  boarded: z.number().int(),
  noShow: z.number().int(),
});
export type MovementLine = z.infer<typeof MovementLine>;

/** People evacuated or relocated by nationality and destination, small counts shown as "<5" (the report is passed on). */
export const MovedLine = z.object({ kind: z.enum(['evacuated', 'relocated']), nationality: z.string(), destination: z.string(), people: ShownCount });
export type MovedLine = z.infer<typeof MovedLine>;
