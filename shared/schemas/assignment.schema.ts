import { z } from 'zod';
import { Timestamp, Uuid } from '../ids';

export const ASSIGNMENT_STATUSES = ['proposed', 'accepted', 'in_progress', 'completed', 'declined', 'cancelled'] as const;
export const AssignmentStatus = z.enum(ASSIGNMENT_STATUSES);
export type AssignmentStatus = z.infer<typeof AssignmentStatus>;

/**
 * What a consulate records on a consular assignment besides people reached: travel documents
 * issued, people registered for evacuation, people evacuated. Absent on every other assignment.
 */
export const ConsularProgress = z.object({
  documentsIssued: z.number().int().min(0).max(100_000),
  registeredForEvacuation: z.number().int().min(0).max(100_000),
  evacuated: z.number().int().min(0).max(100_000),
});
export type ConsularProgress = z.infer<typeof ConsularProgress>;

/** A need handed to an agency. The workflow that moves it is the coordination issue's. */
export const Assignment = z.object({
  id: Uuid,
  groupId: Uuid,
  needId: Uuid,
  agencyId: Uuid,
  status: AssignmentStatus,
  peopleReached: z.number().int().min(0),
  note: z.string().max(2000),
  expectedBy: Timestamp.nullable(),
  createdBy: Uuid,
  updatedAt: Timestamp,
  version: z.number().int().min(1),
  consular: ConsularProgress.optional(),
});
export type Assignment = z.infer<typeof Assignment>;
