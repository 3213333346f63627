import { z } from 'zod';
import { Uuid } from '../ids';

export const NEED_TYPES = [
  'food',
  'water',
  'sanitation',
  'shelter',
  'medical',
  'psychosocial',
  'protection',
  'child_protection',
  'family_tracing',
  'documents',
  'consular_assistance',
  'evacuation',
  'transport',
  'communication',
  'interpretation',
  'cash',
] as const;
export const NeedType = z.enum(NEED_TYPES);
export type NeedType = z.infer<typeof NeedType>;

/** IASC clusters, plus the two sectors MICIC responses add: consular and movement. */
export const CLUSTERS = [
  'food_security',
  'wash',
  'shelter',
  'health',
  'protection',
  'child_protection',
  'logistics',
  'emergency_telecommunications',
  'consular',
  'movement',
  'multipurpose_cash',
] as const;
export type Cluster = (typeof CLUSTERS)[number];

/** Which cluster (or sector) answers each need type. */
export const NEED_CLUSTER: Readonly<Record<NeedType, Cluster>> = {
  food: 'food_security',
  water: 'wash',
  sanitation: 'wash',
  shelter: 'shelter',
  medical: 'health',
  psychosocial: 'health',
  protection: 'protection',
  child_protection: 'child_protection',
  family_tracing: 'protection',
  documents: 'consular',
  consular_assistance: 'consular',
  evacuation: 'movement',
  transport: 'movement',
  communication: 'emergency_telecommunications',
  interpretation: 'protection',
  cash: 'multipurpose_cash',
};

export const NEED_STATUSES = ['open', 'assigned', 'met', 'cancelled'] as const;
export const NeedStatus = z.enum(NEED_STATUSES);
export type NeedStatus = z.infer<typeof NeedStatus>;

export const Severity = z.number().int().min(1).max(5);

/** A need as a field team reports it. */
export const NeedInput = z.object({
  id: Uuid,
  type: NeedType,
  severity: Severity,
  /** People in the group who have this need; 0 when not counted. */
  people: z.number().int().min(0).max(100_000),
});
export type NeedInput = z.infer<typeof NeedInput>;

export const Need = NeedInput.extend({ status: NeedStatus });
export type Need = z.infer<typeof Need>;
