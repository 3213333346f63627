import { AgencyList, COORDINATION_ROUTES, CounterHistory, FieldTeamList, Timeline } from '../../../shared/schemas/coordination.schema';
import { request, type ApiResult } from './api';

/** Agencies a need can be handed to. */
export function fetchAgencies(): Promise<ApiResult<AgencyList>> {
  return request(AgencyList, COORDINATION_ROUTES.agencies);
}

/** Enabled field users of the crisis, whom a coordinator may ask to follow a group up. */
export function fetchFieldTeams(): Promise<ApiResult<FieldTeamList>> {
  return request(FieldTeamList, COORDINATION_ROUTES.fieldTeams);
}

/** Every change of a group (coordinators; audited). */
export function fetchTimeline(groupId: string): Promise<ApiResult<Timeline>> {
  return request(Timeline, COORDINATION_ROUTES.timeline(groupId));
}

/** The people counters over the crisis. */
export function fetchHistory(): Promise<ApiResult<CounterHistory>> {
  return request(CounterHistory, COORDINATION_ROUTES.history);
}

/** Where the 3W CSV downloads from (a plain link: the browser saves it; the server audits it). */
export const THREE_W_URL = COORDINATION_ROUTES.threeW;
