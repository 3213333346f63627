import { EXPORT_ROUTES, Sitrep } from '../../../shared/exports/export.schema';
import { request, type ApiResult } from './api';

/** The situation report as it stands now (coordinators; audited). */
export function fetchSitrep(): Promise<ApiResult<Sitrep>> {
  return request(Sitrep, EXPORT_ROUTES.sitrep);
}

/** Issues the report: the server stores its figures, and the next report is compared with them. */
export function issueSitrep(): Promise<ApiResult<Sitrep>> {
  return request(Sitrep, EXPORT_ROUTES.sitrep, { method: 'POST' });
}
