import { request, type ApiResult } from './api';
import { ADMIN_AREA_ROUTES, BOUNDARY_UPLOAD_TYPE, BoundaryLoadResult, BoundarySummary, type BoundaryFile } from '../../../shared/schemas/admin-area.schema';

/** A crisis's stored boundary set and its areas' names (admin only). */
export const fetchBoundaries = (crisisId: string): Promise<ApiResult<BoundarySummary>> => request(BoundarySummary, ADMIN_AREA_ROUTES.boundaries(crisisId));

/** Previews (`dryRun`) or loads COD-AB files as a crisis's boundaries (admin only). */
export const loadBoundaries = (crisisId: string, files: BoundaryFile[], dryRun: boolean): Promise<ApiResult<BoundaryLoadResult>> =>
  request(BoundaryLoadResult, ADMIN_AREA_ROUTES.boundaries(crisisId), {
    method: 'POST',
    body: JSON.stringify({ files, dryRun }),
    headers: { 'content-type': BOUNDARY_UPLOAD_TYPE },
  });
