import { isActiveAssignment } from './assignment-workflow';
import type { Group, GroupNationals, GroupView } from './schemas/group.schema';
import type { Role } from './schemas/user.schema';

/** Who is receiving: everything the projection needs to know about a connection's user. */
export interface Audience {
  userId: string;
  role: Role;
  crisisId: string | null;
  agencyId: string | null;
  /** For an embassy user: the state its consulate serves. */
  servesState: string | null;
}

/**
 * Names what `projectGroup` gives this audience: two audiences with the same key receive the same
 * views. Sync answers carry it and a client sends it back with its position: when it differs (the
 * user was given another role, agency or crisis), the client gets a snapshot that replaces its
 * copy, instead of a catch-up that would leave the groups it held under the old scope on the device.
 */
export function projectionKey(a: Audience): string {
  return [a.role, a.crisisId ?? '-', a.agencyId ?? '-', a.servesState ?? '-', a.role === 'field' ? a.userId : '-'].join('|');
}

/** Decimal places a location is rounded to when it must not be exact: 0.1° is about 11 km. */
export const COARSE_LOCATION_DECIMALS = 1;
/**
 * Decimal places of another team's group on a field phone: 0.01° (about 1.1 km) tells a team that a
 * group is already known around here, so it does not report it twice, without pointing at a building.
 */
export const FIELD_LOCATION_DECIMALS = 2;

/** Whether an embassy of `state` may see this group's details (protection rule 1). */
export function embassyMaySee(group: Pick<Group, 'consentConsulate' | 'protectionConcern' | 'nationalities'>, state: string | null): boolean {
  return state !== null && group.consentConsulate === 'yes' && !group.protectionConcern && group.nationalities.some((n) => n.code === state);
}

/**
 * Whether a responder of `agencyId` has open work in this group (protection rule 4). Assignments
 * travel inside the group's state, so the server's set of groups assigned to an agency is read
 * from the group itself: no second source that could disagree with what is published.
 */
export function assignedToAgency(group: Group, agencyId: string | null): boolean {
  return agencyId !== null && group.assignments.some((a) => a.agencyId === agencyId && isActiveAssignment(a.status));
}

/** The anonymous point a reduced view shows; its location rounded to `decimals` places (about 11 km by default). */
export function reduceGroup(group: Group, decimals = COARSE_LOCATION_DECIMALS): Extract<GroupView, { view: 'reduced' }> {
  const round = (x: number) => Number(x.toFixed(decimals));
  return {
    view: 'reduced',
    group: {
      id: group.id,
      lat: round(group.location.lat),
      lon: round(group.location.lon),
      status: group.status,
      needTypes: group.needs.filter((n) => n.status !== 'cancelled').map((n) => n.type),
      version: group.version,
    },
  };
}

/**
 * An embassy's view of a group it may see: its own nationals' part only (protection rule 9). How
 * many of them, and what belongs to the group as a whole: place, times, status, intention, need
 * types and their status (not how many people have each: that may count other nationals), and the
 * consulate's own assignments. The breakdowns and notes come only when every person in the group
 * is one of its nationals, so that they describe nobody else.
 */
export function nationalsView(group: Group, state: string, agencyId: string | null): GroupNationals | null {
  const own = group.nationalities.find((n) => n.code === state);
  if (!own) return null;
  const whole = group.nationalities.length === 1 && own.count === group.headcount.total;
  return {
    id: group.id,
    crisisId: group.crisisId,
    version: group.version,
    status: group.status,
    location: group.location,
    seenAt: group.seenAt,
    reportedAt: group.reportedAt,
    updatedAt: group.updatedAt,
    nationality: state,
    nationals: own.count,
    intention: group.intention,
    needs: group.needs.map((n) => ({ id: n.id, type: n.type, severity: n.severity, status: n.status })),
    assignments: agencyId === null ? [] : group.assignments.filter((a) => a.agencyId === agencyId),
    admin: group.admin,
    whole: whole ? { headcount: group.headcount, vulnerabilities: group.vulnerabilities, documents: group.documents, notes: group.notes } : null,
  };
}

/**
 * Whether a field user reported this group or was asked to follow it up: the groups its phone holds
 * in full (protection rule 11). The same people may edit it (`mayEditGroup`).
 */
export function isFieldUsersOwn(group: Pick<Group, 'reportedBy' | 'followUpBy'>, userId: string): boolean {
  return group.reportedBy === userId || group.followUpBy.includes(userId);
}

/**
 * The field users whose phones receive this group otherwise than every other field phone: its
 * reporter and its follow-up teams (the live feed projects it for each of them apart).
 */
export function fieldUsersOf(group: Pick<Group, 'reportedBy' | 'followUpBy'>): string[] {
  return [group.reportedBy, ...group.followUpBy];
}

/**
 * The one function that decides what an audience receives of a group: nothing (null), a reduced
 * view, an embassy's nationals view or the full view. Every channel (snapshot, change feed, catch-up) goes through it.
 */
export function projectGroup(audience: Audience, group: Group): GroupView | null {
  if (audience.crisisId !== group.crisisId) return null;
  switch (audience.role) {
    case 'coordinator':
      return { view: 'full', group };
    case 'field':
      // A phone can be taken at a checkpoint (protection rule 11): in full only what its user
      // reported or follows up; another team's group as a point near it, unless flagged.
      if (isFieldUsersOwn(group, audience.userId)) return { view: 'full', group };
      return group.protectionConcern ? null : reduceGroup(group, FIELD_LOCATION_DECIMALS);
    case 'responder':
      // Open work for the agency in the group's own assignments: the full case (issue #4).
      if (assignedToAgency(group, audience.agencyId)) return { view: 'full', group };
      // Not assigned to its agency: no exact location either (protection rule 4).
      return reduceGroup(group);
    case 'embassy': {
      if (!embassyMaySee(group, audience.servesState)) return null;
      const nationals = nationalsView(group, audience.servesState as string, audience.agencyId);
      return nationals ? { view: 'nationals', group: nationals } : null;
    }
    case 'admin':
      return null;
  }
}
