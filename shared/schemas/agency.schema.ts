import { z } from 'zod';
import { Iso3 } from '../countries';
import { Uuid } from '../ids';

export const AGENCY_TYPES = ['un', 'ingo', 'nngo', 'red_cross_crescent', 'host_government', 'consulate', 'civil_society'] as const;
export const AgencyType = z.enum(AGENCY_TYPES);
export type AgencyType = z.infer<typeof AgencyType>;

export const Agency = z
  .object({
    id: Uuid,
    name: z.string().min(1).max(200),
    acronym: z.string().min(1).max(20),
    type: AgencyType,
    /** The state a consulate serves; null for every other type. */
    servesState: Iso3.nullable(),
  })
  .refine((a) => (a.type === 'consulate') === (a.servesState !== null), {
    message: 'a consulate must name the state it serves, and only a consulate may',
    path: ['servesState'],
  });
export type Agency = z.infer<typeof Agency>;
