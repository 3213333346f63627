import { z } from 'zod';
import { Timestamp, Uuid } from '../ids';
import { Agency } from './agency.schema';
import { GroupStatus } from './group.schema';
import { Role } from './user.schema';

/** REST routes of the coordination workspace. */
export const COORDINATION_ROUTES = {
  /** GET: the agencies a need can be handed to (coordinators, responders). */
  agencies: '/api/agencies',
  /** GET /api/groups/:id/timeline: every change of a group (coordinators). */
  timeline: (groupId: string) => `/api/groups/${groupId}/timeline`,
  /** GET: the people counters over the crisis, from the change log (coordinators). */
  history: '/api/coordination/history',
  /** GET: 3W as CSV with HXL hashtags (coordinators; audited as an export). */
  threeW: '/api/exports/3w.csv',
  /** GET: the enabled field users of the crisis, to ask one to follow a group up (coordinators). */
  fieldTeams: '/api/field-teams',
} as const;

export const AgencyList = z.object({ ok: z.literal(true), agencies: z.array(Agency) });
export type AgencyList = z.infer<typeof AgencyList>;

/** A field user a coordinator may ask to follow a group up: the id and the name only. */
export const FieldTeam = z.object({ id: Uuid, displayName: z.string().min(1).max(120) });
export type FieldTeam = z.infer<typeof FieldTeam>;
export const FieldTeamList = z.object({ ok: z.literal(true), teams: z.array(FieldTeam) });
export type FieldTeamList = z.infer<typeof FieldTeamList>;

/** One change of a group: who, when, what kind, which fields moved (names only, never values). */
export const TimelineEntry = z.object({
  seq: z.number().int(),
  at: Timestamp,
  kind: z.string(),
  actor: z.object({ id: Uuid, name: z.string(), role: Role }).nullable(),
  version: z.number().int(),
  status: GroupStatus,
  changed: z.array(z.string()),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;
export const Timeline = z.object({ ok: z.literal(true), entries: z.array(TimelineEntry) });
export type Timeline = z.infer<typeof Timeline>;

export const CounterHistory = z.object({
  ok: z.literal(true),
  points: z.array(z.object({ at: Timestamp, stranded: z.number(), inNeed: z.number(), assisted: z.number(), evacuated: z.number() })),
});
export type CounterHistory = z.infer<typeof CounterHistory>;
