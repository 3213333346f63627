import { arrived, currentLeg, movedCounts, underway } from '../movements';
import type { BoardingState, Movement, CarrierEntry } from '../schemas/movement.schema';
import { showCount } from '../suppression';
import { hxlCsv, type HxlColumn } from './hxl-csv';
import type { MovedLine, MovementLine, MovementPhase } from './movement-export.schema';

export { MOVEMENT_EXPORT_ROUTES, MovedLine, MovementLine, MovementPhase } from './movement-export.schema';

/** One line of the carrier's manifest: the least a driver needs (issue 20), nothing about who the people are. */
export interface ManifestLine {
  reference: string;
  people: number;
  specialNeeds: string;
  pickup: string;
  lat: number;
  lon: number;
  state: BoardingState;
}

/** Vulnerability keys as printed on a manifest (English: the carrier's working language in the guidelines' practice). */
const NEED_WORDS: Record<string, string> = {
  unaccompaniedChildren: 'unaccompanied children',
  separatedChildren: 'separated children',
  pregnantOrLactating: 'pregnant or lactating',
  disability: 'disability',
  olderPersons: 'older persons',
  seriousMedical: 'serious medical condition',
  possibleTrafficking: 'protection: see coordinator',
  detained: 'detained',
};

/** The manifest's lines from the carrier's projection (so the export can hold no more than the carrier's screen). Pure. */
export function manifestLines(entries: readonly CarrierEntry[]): ManifestLine[] {
  return entries.map((e) => {
    const counted = Object.entries(e.vulnerabilities).map(([k, n]) => `${NEED_WORDS[k] ?? k}: ${n}`);
    return {
      reference: e.reference,
      people: e.people,
      specialNeeds: [...counted, ...(e.specialNeeds ? [e.specialNeeds] : [])].join('; '),
      pickup: e.pickup.name,
      lat: e.pickup.lat,
      lon: e.pickup.lon,
      state: e.state,
    };
  });
}

const MANIFEST_COLUMNS: readonly HxlColumn[] = [
  { header: 'Reference', tag: '#group+code' },
  { header: 'People', tag: '#affected+migrants+total' },
  { header: 'Special needs', tag: '#description+needs' },
  { header: 'Pickup point', tag: '#loc+name' },
  { header: 'Latitude', tag: '#geo+lat' },
  { header: 'Longitude', tag: '#geo+lon' },
  { header: 'Boarding', tag: '#status' },
];

/** The carrier's manifest as CSV with HXL hashtags. Pure. */
export function manifestCsv(lines: readonly ManifestLine[]): string {
  return hxlCsv(
    MANIFEST_COLUMNS,
    lines.map((l) => [l.reference, l.people, l.specialNeeds, l.pickup, l.lat, l.lon, l.state]),
  );
}

const escapeHtml = (s: string | number): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/**
 * The carrier's manifest as a printable page: the movement's legs, then one row per group with a
 * box to tick at the door. Every value is escaped (place names are typed by people). Pure.
 */
export function manifestHtml(movement: Pick<Movement, 'id' | 'kind' | 'mode' | 'seats' | 'legs'>, lines: readonly ManifestLine[]): string {
  const total = lines.reduce((s, l) => s + l.people, 0);
  const legs = movement.legs
    .map(
      (l) =>
        `<li>${escapeHtml(l.from.place.name)} → ${escapeHtml(l.to.place.name)} (${escapeHtml(l.status)}${l.plannedDeparture ? `, ${escapeHtml(l.plannedDeparture)}` : ''})</li>`,
    )
    .join('');
  const rows = lines
    .map(
      (l) =>
        `<tr><td>☐</td><td>${escapeHtml(l.reference)}</td><td class="n">${l.people}</td><td>${escapeHtml(l.specialNeeds)}</td><td>${escapeHtml(l.pickup)}</td><td>${escapeHtml(l.state)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Manifest ${escapeHtml(movement.id.slice(0, 8))}</title>
<style>body{font:12pt system-ui,sans-serif;margin:1.5cm}table{border-collapse:collapse;width:100%}td,th{border:1px solid #444;padding:4px 6px;text-align:start}.n{text-align:end}@media print{a{display:none}}</style>
</head><body>
<h1>Manifest</h1>
<p>${escapeHtml(movement.kind.replaceAll('_', ' '))}, ${escapeHtml(movement.mode)}: ${total} people on ${movement.seats} seats</p>
<ol>${legs}</ol>
<table><thead><tr><th></th><th>Reference</th><th>People</th><th>Special needs</th><th>Pickup point</th><th>Boarding</th></tr></thead><tbody>${rows}</tbody></table>
</body></html>`;
}

/** Where a movement stands: arrived, cancelled (no leg left to travel, none arrived), under way, or planned. */
export function movementPhase(m: Pick<Movement, 'legs'>): MovementPhase {
  if (arrived(m)) return 'arrived';
  if (currentLeg(m) === null) return 'cancelled';
  return underway(m) || m.legs.some((l) => l.status === 'boarding') ? 'underway' : 'planned';
}

/** The situation report's movements table and counters. Pure. */
export function sitrepMovements(movements: readonly Movement[]): { movements: MovementLine[]; moved: MovedLine[] } {
  const lines = movements.map((m): MovementLine => {
    const count = (states: readonly BoardingState[]) => m.manifest.filter((e) => states.includes(e.state)).reduce((s, e) => s + e.group.headcount.total, 0);
    return {
      kind: m.kind,
      mode: m.mode,
      from: m.legs[0]?.from.place.name ?? '',
      to: m.legs.at(-1)?.to.place.name ?? '',
      phase: movementPhase(m),
      seats: m.seats,
      listed: count(['listed', 'checked_in', 'boarded', 'no_show', 'offloaded']),
      boarded: count(['boarded']),
      noShow: count(['no_show']),
    };
  });
  const moved = movedCounts(movements).flatMap((c) => {
    const people = showCount(c.people);
    return people === null ? [] : [{ kind: c.kind, nationality: c.nationality, destination: c.destination, people }];
  });
  return { movements: lines, moved };
}
