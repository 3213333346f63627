import { z } from 'zod';
import { Iso3 } from '../countries';
import { Timestamp, Uuid } from '../ids';

export const CRISIS_TYPES = ['conflict', 'natural_disaster'] as const;
export const CRISIS_PHASES = ['preparedness', 'emergency_response', 'post_crisis'] as const;

/** [west, south, east, north] in WGS84 degrees. */
export const Bbox = z
  .tuple([z.number().min(-180).max(180), z.number().min(-90).max(90), z.number().min(-180).max(180), z.number().min(-90).max(90)])
  .refine(([w, s, e, n]) => w < e && s < n, 'bbox must be [west, south, east, north]');
export type Bbox = z.infer<typeof Bbox>;

export const Crisis = z.object({
  id: Uuid,
  name: z.string().min(1).max(200),
  type: z.enum(CRISIS_TYPES),
  hostCountry: Iso3,
  phase: z.enum(CRISIS_PHASES),
  /** The area of operations; the map opens on it. */
  area: Bbox,
  /** True for the synthetic demo crisis, which the UI labels as such everywhere. */
  isDemo: z.boolean(),
  createdAt: Timestamp,
});
export type Crisis = z.infer<typeof Crisis>;
