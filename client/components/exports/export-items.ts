import { EXPORT_ROUTES, SITREP_PATH } from '../../../shared/exports/export.schema';
import { can } from '../../../shared/permissions';
import { COORDINATION_ROUTES } from '../../../shared/schemas/coordination.schema';
import type { Role } from '../../../shared/schemas/user.schema';
import type { MessageKey } from '../../lib/i18n/en';

/** One export a person can take: where from, and the words that say what the file holds. */
export interface ExportItem {
  id: string;
  href: string;
  label: MessageKey;
  about: MessageKey;
  /** A page to open (the situation report), not a file to save. */
  page?: boolean;
}

const ITEMS: readonly (ExportItem & { action: Parameters<typeof can>[1] })[] = [
  { id: 'sitrep', action: 'export.sitrep', href: SITREP_PATH, label: 'exports.sitrep', about: 'exports.sitrep.about', page: true },
  { id: 'groups-csv', action: 'export.groups', href: EXPORT_ROUTES.groupsCsv, label: 'exports.groupsCsv', about: 'exports.groupsCsv.about' },
  { id: 'groups-geojson', action: 'export.groups', href: EXPORT_ROUTES.groupsGeoJson, label: 'exports.groupsGeoJson', about: 'exports.groupsGeoJson.about' },
  { id: 'threew-csv', action: 'export.3w', href: COORDINATION_ROUTES.threeW, label: 'exports.threeW', about: 'exports.threeW.about' },
  { id: 'shareable-csv', action: 'export.shareable', href: EXPORT_ROUTES.shareableCsv, label: 'exports.shareableCsv', about: 'exports.shareableCsv.about' },
  {
    id: 'shareable-geojson',
    action: 'export.shareable',
    href: EXPORT_ROUTES.shareableGeoJson,
    label: 'exports.shareableGeoJson',
    about: 'exports.shareableGeoJson.about',
  },
];

/** The exports a role may take, in the order they are offered. The server decides again, and scopes. */
export function exportItemsFor(role: Role): ExportItem[] {
  return ITEMS.filter((i) => can(role, i.action)).map(({ action: _action, ...item }) => item);
}
