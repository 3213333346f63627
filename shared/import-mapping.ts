/**
 * Turning a CSV row (a KoboToolbox or ODK export, or any spreadsheet) into a group report: the
 * fields a column can feed, a guess of which column feeds which from its header and HXL hashtag,
 * and the conversion of one row, checked with the same `GroupInput` schema as a field report.
 * Pure, so the rules are unit-tested and the server applies exactly what the preview showed.
 */
import { v5 as uuidv5 } from 'uuid';
import { z } from 'zod';
import { allIso3, iso3ToIso2 } from './countries';
import { CONSENT_VALUES, GroupInput, INTENTIONS, SITE_TYPES, VULNERABILITIES, type Vulnerability } from './schemas/group.schema';
import { NEED_TYPES, type NeedType } from './schemas/need.schema';
import type { RowReason } from './schemas/import.schema';
import { DAY_MONTH, parseDate, parseDayMonth, type DateOrder } from './import-dates';

export { DateOrder, dayMonthKind } from './import-dates';

export const IMPORT_FIELDS = [
  'sourceId',
  'seenAt',
  'lat',
  'lon',
  'geopoint',
  'accuracyM',
  'placeName',
  'siteType',
  'headcountTotal',
  'nationality',
  'needs',
  'severity',
  'intention',
  'consent',
  'protectionConcern',
  'notes',
  ...VULNERABILITIES,
] as const;
export const ImportField = z.enum(IMPORT_FIELDS);
export type ImportField = z.infer<typeof ImportField>;

/** Which column (0-based) feeds each field; null when none does. */
export const ImportMapping = z
  .object(
    Object.fromEntries(IMPORT_FIELDS.map((f) => [f, z.number().int().min(0).max(9999).nullable().default(null)])) as Record<
      ImportField,
      z.ZodDefault<z.ZodNullable<z.ZodNumber>>
    >,
  )
  .strict();
export type ImportMapping = z.infer<typeof ImportMapping>;

/** A mapping with no column chosen. */
export const emptyMapping = (): ImportMapping => ImportMapping.parse({});

/** What a row is checked against besides its own cells. */
export interface RowContext {
  /** The crisis area [west, south, east, north]; a point outside it (with a margin) is refused. */
  area?: readonly [number, number, number, number] | null;
  dateOrder?: DateOrder | null;
}

/** Degrees around the crisis area still taken as inside it (about 55 km): border crossings, coasts. */
export const AREA_MARGIN_DEGREES = 0.5;

/** Severity given to imported needs when no column says (the middle of 1-5: "not assessed"). */
export const DEFAULT_IMPORT_SEVERITY = 3;

/** Header spellings per field, best first, compared after `normalizeHeader`. */
const HEADER_NAMES: Readonly<Record<ImportField, readonly string[]>> = {
  sourceId: ['uuid', 'instanceid', 'instance_id', 'meta_instanceid', 'key'],
  // Kobo's and ODK's `end` is when the interview ended, at the group: it beats the server's
  // `_submission_time` (which may be days later, after the phone found a network).
  seenAt: ['seen_at', 'date_seen', 'last_seen', 'end', 'start', 'today', 'date', 'submission_time', 'submissiondate'],
  lat: ['gps_latitude', 'latitude', 'lat', 'location_latitude', 'geopoint_latitude'],
  lon: ['gps_longitude', 'longitude', 'lon', 'lng', 'long', 'location_longitude', 'geopoint_longitude'],
  geopoint: ['geopoint', 'gps', 'geolocation', 'location', 'coordinates'],
  accuracyM: ['gps_precision', 'gps_accuracy', 'accuracy', 'precision', 'location_accuracy'],
  placeName: ['place_name', 'place', 'location_name', 'site_name', 'locality', 'town', 'settlement'],
  siteType: ['site_type', 'type_of_site', 'site'],
  headcountTotal: ['headcount_total', 'headcount', 'total_people', 'people_total', 'number_of_people', 'group_size', 'total', 'people'],
  nationality: ['nationality', 'nationalities', 'country_of_origin', 'origin'],
  needs: ['needs', 'priority_needs', 'main_needs', 'need', 'needs_type'],
  severity: ['severity', 'needs_severity', 'need_severity', 'urgency'],
  intention: ['intention', 'intentions', 'intends'],
  consent: ['consent_consulate', 'consent_to_share', 'consent_share', 'consent'],
  protectionConcern: ['protection_concern', 'protection_flag', 'protection_risk', 'protection'],
  notes: ['notes', 'note', 'comments', 'comment', 'remarks'],
  unaccompaniedChildren: ['unaccompanied_children', 'unaccompanied', 'uasc'],
  separatedChildren: ['separated_children', 'separated'],
  pregnantOrLactating: ['pregnant_or_lactating', 'pregnant_lactating', 'pregnant', 'plw'],
  disability: ['disability', 'disabilities', 'disabled', 'with_disability'],
  olderPersons: ['older_persons', 'older_people', 'elderly'],
  seriousMedical: ['serious_medical', 'serious_medical_condition', 'medical_condition', 'chronic_illness'],
  possibleTrafficking: ['possible_trafficking', 'trafficking'],
  detained: ['detained', 'in_detention', 'detention'],
};

/** HXL hashtags per field: the tag and the attributes it must carry (order and extra attributes do not matter). */
const HXL_TAGS: Readonly<Partial<Record<ImportField, readonly (readonly string[])[]>>> = {
  sourceId: [
    ['#meta', 'id'],
    ['#meta', 'uuid'],
  ],
  // Last seen, never the report date: Waymark's own export has both.
  seenAt: [
    ['#date', 'seen'],
    ['#date', 'observed'],
  ],
  lat: [['#geo', 'lat']],
  lon: [['#geo', 'lon']],
  geopoint: [['#geo', 'coord']],
  placeName: [
    ['#loc', 'name'],
    ['#adm1', 'name'],
  ],
  siteType: [['#loc', 'type']],
  headcountTotal: [['#affected', 'total'], ['#population', 'total'], ['#affected']],
  nationality: [
    ['#indicator', 'nationality'],
    ['#affected', 'nationality'],
    ['#country', 'origin'],
  ],
  needs: [['#need', 'type'], ['#need']],
  severity: [['#severity']],
  intention: [
    ['#indicator', 'intention'],
    ['#affected', 'intention'],
  ],
  consent: [['#meta', 'consent']],
  notes: [['#description'], ['#meta', 'notes']],
};

/** HXL hashtags tried after the headers: a bare report date is a last resort for "seen at". */
const HXL_FALLBACK: Readonly<Partial<Record<ImportField, readonly (readonly string[])[]>>> = {
  seenAt: [['#date', 'reported'], ['#date']],
};

/** Fields that count people: a yes/no column never feeds them. */
const COUNT_FIELDS: ReadonlySet<ImportField> = new Set<ImportField>(['headcountTotal', ...VULNERABILITIES]);

/**
 * Columns that are one choice of a Kobo/ODK select-multiple: `vulnerabilities/disability` when the
 * file also has the whole `vulnerabilities` column (Kobo's default export writes both). Their 0/1
 * mean no/yes; read as counts, "1" would become one person.
 */
export function choiceColumns(headers: readonly string[]): number[] {
  const whole = new Set(headers.map((h) => h.trim().toLowerCase()));
  const out: number[] = [];
  headers.forEach((h, i) => {
    const slash = h.lastIndexOf('/');
    if (slash > 0 && whole.has(h.slice(0, slash).trim().toLowerCase())) out.push(i);
  });
  return out;
}

/** Whether a mapping feeds a count field from a yes/no choice column; the field, or null. */
export function countFromChoice(mapping: ImportMapping, choices: readonly number[]): ImportField | null {
  for (const field of COUNT_FIELDS) {
    const col = mapping[field];
    if (col !== null && choices.includes(col)) return field;
  }
  return null;
}

/** `group/headcount_total` → `headcount_total`; `_GPS Latitude` → `gps_latitude`. */
export function normalizeHeader(header: string): string {
  const last = header.split(/[/:]/).at(-1) ?? header;
  return last
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Whether a row is an HXL hashtag row: most of its filled cells are hashtags. */
export function isHxlRow(cells: readonly string[]): boolean {
  const filled = cells.map((c) => c.trim()).filter((c) => c !== '');
  return filled.length > 0 && filled.filter((c) => /^#[a-z][\w]*(\s*\+[\w]+)*$/i.test(c)).length * 2 > filled.length;
}

function parseHxl(tag: string): { tag: string; attrs: Set<string> } {
  const [head = '', ...attrs] = tag.toLowerCase().replace(/\s+/g, '').split('+');
  return { tag: head, attrs: new Set(attrs) };
}

/**
 * Guesses which column feeds which field: an HXL hashtag decides first, then the header. A column
 * feeds at most one field, and fields are served in the order of IMPORT_FIELDS.
 */
export function guessMapping(headers: readonly string[], hxl: readonly string[] | null): ImportMapping {
  const mapping = emptyMapping();
  // A select-multiple's yes/no columns feed nothing by guess (their names match the vulnerabilities').
  const taken = new Set<number>(choiceColumns(headers));
  const claim = (field: ImportField, column: number) => {
    mapping[field] = column;
    taken.add(column);
  };
  if (hxl) {
    const tags = hxl.map(parseHxl);
    for (const field of IMPORT_FIELDS) {
      for (const [tag, ...attrs] of HXL_TAGS[field] ?? []) {
        const column = tags.findIndex((t, i) => !taken.has(i) && t.tag === tag && attrs.every((a) => t.attrs.has(a)));
        if (column >= 0) {
          claim(field, column);
          break;
        }
      }
    }
  }
  const names = headers.map(normalizeHeader);
  for (const field of IMPORT_FIELDS) {
    if (mapping[field] !== null) continue;
    for (const name of HEADER_NAMES[field]) {
      const column = names.findIndex((n, i) => !taken.has(i) && n === name);
      if (column >= 0) {
        claim(field, column);
        break;
      }
    }
  }
  if (hxl) {
    const tags = hxl.map(parseHxl);
    for (const [field, specs] of Object.entries(HXL_FALLBACK) as [ImportField, readonly (readonly string[])[]][]) {
      if (mapping[field] !== null) continue;
      for (const [tag, ...attrs] of specs) {
        const column = tags.findIndex((t, i) => !taken.has(i) && t.tag === tag && attrs.every((a) => t.attrs.has(a)));
        if (column >= 0) {
          claim(field, column);
          break;
        }
      }
    }
  }
  // Separate latitude/longitude columns beat a combined point; keep both only when one is missing.
  if (mapping.lat !== null && mapping.lon !== null && mapping.geopoint !== null) mapping.geopoint = null;
  return mapping;
}

/** English country names to alpha-3, built once (Intl knows every name; nothing to ship). */
let countryNames: Map<string, string> | null = null;
function countryByName(name: string): string | undefined {
  if (!countryNames) {
    countryNames = new Map();
    const display = new Intl.DisplayNames(['en'], { type: 'region' });
    for (const code of allIso3()) {
      const iso2 = iso3ToIso2(code);
      const english = iso2 ? display.of(iso2) : undefined;
      if (english) countryNames.set(english.toLowerCase(), code);
    }
  }
  return countryNames.get(name.toLowerCase().replace(/_/g, ' ').trim());
}
const ISO3 = new Set(allIso3());

/** A nationality cell's code: ISO alpha-3 (any case), an English country name, `stateless` or `unknown`. */
function nationalityCode(token: string): string | undefined {
  const t = token.trim();
  if (/^(stateless|unknown)$/i.test(t)) return t.toLowerCase();
  if (ISO3.has(t.toUpperCase())) return t.toUpperCase();
  return countryByName(t);
}

/** Kobo/ODK choice names and a few common words for each need type. */
const NEED_WORDS: Readonly<Record<string, NeedType>> = {
  ...Object.fromEntries(NEED_TYPES.map((n) => [n, n])),
  health: 'medical',
  healthcare: 'medical',
  nfi: 'shelter',
  pss: 'psychosocial',
  mhpss: 'psychosocial',
  childprotection: 'child_protection',
  familytracing: 'family_tracing',
  documentation: 'documents',
  consular: 'consular_assistance',
  hygiene: 'sanitation',
  telecom: 'communication',
};

const TRUE_WORDS = new Set(['yes', 'y', 'true', '1', 'oui', 'نعم']);
const FALSE_WORDS = new Set(['no', 'n', 'false', '0', 'non', 'لا']);

/** A stable key of one row: its form submission id when the file has one, else its content. */
export function rowKey(cells: readonly string[], mapping: ImportMapping): string {
  const col = mapping.sourceId;
  const source =
    col === null
      ? ''
      : (cells[col] ?? '')
          .trim()
          .toLowerCase()
          .replace(/^uuid:/, '');
  return source !== '' ? `source:${source}` : `content:${JSON.stringify(cells.map((c) => c.trim()))}`;
}

/** Fixed namespace of Waymark's import ids (UUIDv5): the same row in the same crisis always gets the same ids. */
const IMPORT_NAMESPACE = 'a3e4c1d2-5b6f-4a7e-9c8d-0f1e2d3c4b5a';

/** The command id, group id and need ids of a row: derived, so importing the file again adds nothing. */
export function importIds(crisisId: string, key: string) {
  const id = (what: string) => uuidv5(`${crisisId}\u0000${key}\u0000${what}`, IMPORT_NAMESPACE);
  return { commandId: id('command'), groupId: id('group'), needId: (type: NeedType) => id(`need:${type}`) };
}

export type RowResult = { ok: true; key: string; input: GroupInput } | { ok: false; reasons: RowReason[] };

/** A reason names the field (so the column) and never carries the cell's content. */
const reason = (code: RowReason['code'], field: ImportField | null, detail: string | null = null): RowReason => ({ code, field, value: null, detail });

/** Whether a point is in the area grown by the margin. */
function inArea(lat: number, lon: number, [w, s, e, n]: readonly [number, number, number, number]): boolean {
  const m = AREA_MARGIN_DEGREES;
  return lat >= s - m && lat <= n + m && lon >= w - m && lon <= e + m;
}

/** Which import field a GroupInput issue path comes from, to point the person at a column. */
function fieldOfPath(path: readonly PropertyKey[]): ImportField | null {
  const [head, next] = path;
  if (head === 'location') return next === 'lat' || next === 'lon' || next === 'accuracyM' || next === 'placeName' || next === 'siteType' ? next : null;
  if (head === 'headcount') return 'headcountTotal';
  if (head === 'nationalities') return 'nationality';
  if (head === 'needs') return next === undefined || typeof next === 'number' ? 'needs' : null;
  if (head === 'vulnerabilities' && typeof next === 'string' && (VULNERABILITIES as readonly string[]).includes(next)) return next as Vulnerability;
  if (head === 'seenAt' || head === 'intention' || head === 'notes') return head;
  if (head === 'consentConsulate') return 'consent';
  if (head === 'protectionConcern') return 'protectionConcern';
  return null;
}

/**
 * Converts one data row with a mapping into a report for `crisisId`, with derived ids, or every
 * reason it cannot be one. The result is parsed with `GroupInput`, the field report's own schema.
 */
export function rowToGroup(cells: readonly string[], mapping: ImportMapping, crisisId: string, context: RowContext = {}): RowResult {
  const reasons: RowReason[] = [];
  const cell = (field: ImportField): string => {
    const col = mapping[field];
    return col === null ? '' : (cells[col] ?? '').trim();
  };
  const number = (field: ImportField, required: boolean): number | null => {
    const raw = cell(field);
    if (raw === '') {
      if (required) reasons.push(reason('required', field));
      return null;
    }
    const value = Number(raw.replace(',', '.'));
    if (!Number.isFinite(value)) {
      reasons.push(reason('not_a_number', field));
      return null;
    }
    return value;
  };
  const choice = <T extends string>(field: ImportField, values: readonly T[], aliases: Record<string, T> = {}): T | undefined => {
    const raw = cell(field);
    if (raw === '') return undefined;
    const norm = raw.toLowerCase().replace(/[\s-]+/g, '_');
    const found = (values as readonly string[]).includes(norm) ? (norm as T) : aliases[norm];
    if (!found) reasons.push(reason('unknown_value', field));
    return found;
  };

  // Where: separate columns, or one geopoint "lat lon [alt acc]" (ODK) / "[lat, lon]" (Kobo _geolocation).
  let lat = number('lat', mapping.geopoint === null);
  let lon = number('lon', mapping.geopoint === null);
  let accuracy = number('accuracyM', false);
  if (mapping.geopoint !== null && (lat === null || lon === null)) {
    const raw = cell('geopoint');
    const parts = raw.match(/-?\d+(\.\d+)?/g)?.map(Number) ?? [];
    if (raw === '') reasons.push(reason('required', 'geopoint'));
    else if (parts.length < 2) reasons.push(reason('not_a_number', 'geopoint'));
    else {
      [lat, lon] = [parts[0]!, parts[1]!];
      if (accuracy === null && parts[3] !== undefined) accuracy = parts[3];
    }
  }

  // Only a point on the globe is compared with the area; one off it is the schema's to refuse.
  if (lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && context.area && !inArea(lat, lon, context.area)) {
    const swapped = inArea(lon, lat, context.area);
    reasons.push(reason(swapped ? 'swapped_coordinates' : 'outside_area', mapping.geopoint !== null && mapping.lat === null ? 'geopoint' : 'lat'));
  }

  const seenRaw = cell('seenAt');
  const dayMonth = DAY_MONTH.exec(seenRaw);
  let seenAt: string | null = null;
  if (seenRaw === '') reasons.push(reason('required', 'seenAt'));
  else if (dayMonth && !context.dateOrder) reasons.push(reason('date_order', 'seenAt'));
  else {
    seenAt = dayMonth && context.dateOrder ? parseDayMonth(dayMonth, context.dateOrder) : parseDate(seenRaw);
    if (seenAt === null) reasons.push(reason('bad_date', 'seenAt'));
  }

  const total = number('headcountTotal', true);

  const nationalities: { code: string; count: number }[] = [];
  const natRaw = cell('nationality');
  if (natRaw !== '') {
    const whole = nationalityCode(natRaw);
    const tokens = whole ? [whole] : natRaw.split(/[\s,;]+/).filter(Boolean);
    const parsed = tokens.map((tok) => {
      const [name = '', count] = tok.split(':');
      return { code: whole ?? nationalityCode(name), count: count === undefined ? null : Number(count), tok };
    });
    const bad = parsed.findIndex((p) => p.code === undefined || (p.count !== null && !Number.isInteger(p.count)));
    if (bad >= 0) reasons.push(reason('unknown_value', 'nationality', `item ${bad + 1}`));
    else if (parsed.length > 1 && parsed.some((p) => p.count === null)) {
      // Several nationalities with no counts cannot be split from the total without inventing numbers.
      reasons.push(reason('rule', 'nationality', 'give a count for each nationality, e.g. NGA:7 NER:3'));
    } else {
      for (const p of parsed) nationalities.push({ code: p.code!, count: p.count ?? total ?? 1 });
    }
  }

  // The schema's cross-field rules run only once every field parses: checked here too, so a row with
  // other problems still hears about this one.
  if (total !== null && nationalities.reduce((n, x) => n + x.count, 0) > total) {
    reasons.push(reason('rule', 'nationality', 'nationalities count more people than the total'));
  }

  const severity = number('severity', false) ?? DEFAULT_IMPORT_SEVERITY;
  const needTypes: NeedType[] = [];
  cell('needs')
    .split(/[\s,;]+/)
    .filter(Boolean)
    .forEach((token, i) => {
      const type = NEED_WORDS[token.toLowerCase().replace(/[-\s]/g, '_')] ?? NEED_WORDS[token.toLowerCase().replace(/[-_\s]/g, '')];
      if (!type) reasons.push(reason('unknown_value', 'needs', `item ${i + 1}`));
      else if (!needTypes.includes(type)) needTypes.push(type);
    });

  const siteType = choice('siteType', SITE_TYPES);
  const intention = choice('intention', INTENTIONS, { relocate: 'relocate_in_country', evacuate: 'evacuate_to_origin', return: 'evacuate_to_origin' });
  const consent = choice('consent', CONSENT_VALUES, { y: 'yes', n: 'no', true: 'yes', false: 'no', not_asked: 'not_asked', unknown: 'not_asked' });
  const flagRaw = cell('protectionConcern').toLowerCase();
  const protectionConcern = flagRaw === '' ? false : TRUE_WORDS.has(flagRaw) ? true : FALSE_WORDS.has(flagRaw) ? false : null;
  if (protectionConcern === null) reasons.push(reason('unknown_value', 'protectionConcern'));
  const vulnerabilities: Partial<Record<Vulnerability, number>> = {};
  for (const v of VULNERABILITIES) {
    const n = number(v, false);
    if (n !== null) vulnerabilities[v] = n;
  }

  // The schema runs even when a cell was already refused, so every problem of the row is listed
  // at once (a field already refused above is not reported twice).
  const key = rowKey(cells, mapping);
  const ids = importIds(crisisId, key);
  const placeName = cell('placeName');
  const parsed = GroupInput.safeParse({
    id: ids.groupId,
    location: { lat, lon, accuracyM: accuracy, placeName, ...(siteType ? { siteType } : {}) },
    seenAt,
    headcount: { total },
    nationalities,
    vulnerabilities,
    ...(intention ? { intention } : {}),
    ...(consent ? { consentConsulate: consent } : {}),
    protectionConcern: protectionConcern ?? false,
    notes: cell('notes'),
    needs: needTypes.map((type) => ({ id: ids.needId(type), type, severity, people: 0 })),
  });
  if (!parsed.success) {
    const refused = new Set(reasons.map((r) => r.field));
    for (const issue of parsed.error.issues) {
      const field = fieldOfPath(issue.path);
      // A field left empty because its cell was refused fails the schema too: said once is enough.
      if (field !== null && refused.has(field)) continue;
      if (field === 'lat' && (refused.has('geopoint') || refused.has('lon'))) continue;
      if (field === 'lon' && (refused.has('geopoint') || refused.has('lat'))) continue;
      reasons.push(reason('rule', field, issue.message));
      if (field !== null) refused.add(field);
    }
  }
  if (reasons.length > 0 || !parsed.success) return { ok: false, reasons };
  return { ok: true, key, input: parsed.data };
}
