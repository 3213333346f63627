import {
  AGE_BANDS,
  CONSENT_VALUES,
  DOCUMENT_STATES,
  INTENTIONS,
  SEXES,
  SITE_TYPES,
  VULNERABILITIES,
  type GroupInput,
  type GroupInputDraft,
} from '../../../shared/schemas/group.schema';
import { NEED_TYPES, type NeedType } from '../../../shared/schemas/need.schema';
import type { MessageKey } from '../i18n/en';

export type AgeBand = (typeof AGE_BANDS)[number];
export type Sex = (typeof SEXES)[number];
export type SiteType = (typeof SITE_TYPES)[number];
export type Intention = (typeof INTENTIONS)[number];
export type Consent = (typeof CONSENT_VALUES)[number];
export type DocumentState = (typeof DOCUMENT_STATES)[number];
export type Vulnerability = (typeof VULNERABILITIES)[number];

/** A count input: Svelte binds an empty number input to null. */
export type CountValue = number | null;

export interface NationalityRow {
  /** Stable key for the row, so errors and focus follow it when rows are removed. */
  key: string;
  code: string;
  count: CountValue;
}

export interface NeedRow {
  type: NeedType;
  checked: boolean;
  severity: number;
  people: CountValue;
}

/** Everything the report form holds, as the inputs hold it (strings and nullable numbers). */
export interface GroupFormState {
  lat: number | null;
  lon: number | null;
  accuracyM: number | null;
  placeName: string;
  siteType: SiteType;
  /** The registered site the group is at (issue 20), or null: "not at a site". */
  siteId: string | null;
  /** `<input type="datetime-local">` value, local time. */
  seenAt: string;
  total: CountValue;
  breakdown: Record<Sex, Record<AgeBand, CountValue>>;
  nationalities: NationalityRow[];
  needs: NeedRow[];
  vulnerabilities: Record<Vulnerability, CountValue>;
  documents: Record<DocumentState, CountValue>;
  intention: Intention;
  consentConsulate: Consent;
  protectionConcern: boolean;
  notes: string;
}

const nullCounts = <K extends string>(keys: readonly K[]): Record<K, CountValue> => Object.fromEntries(keys.map((k) => [k, null])) as Record<K, CountValue>;

/** The value of a datetime-local input for a moment, in the device's time zone. */
export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * The "seen at" a report is sent with: the time of sending unless the person set one. A form kept
 * open from page load once sent reports stamped with the time the page loaded.
 */
export function seenAtOnSubmit(form: Pick<GroupFormState, 'seenAt'>, edited: boolean, now: Date = new Date()): string {
  return edited ? form.seenAt : toLocalInput(now);
}

/** A fresh form: seen now, nothing else filled. */
export function emptyForm(now: Date = new Date()): GroupFormState {
  return {
    lat: null,
    lon: null,
    accuracyM: null,
    placeName: '',
    siteType: 'other',
    siteId: null,
    seenAt: toLocalInput(now),
    total: null,
    breakdown: { female: nullCounts(AGE_BANDS), male: nullCounts(AGE_BANDS) },
    nationalities: [],
    needs: NEED_TYPES.map((type) => ({ type, checked: false, severity: 3, people: null })),
    vulnerabilities: nullCounts(VULNERABILITIES),
    documents: nullCounts(DOCUMENT_STATES),
    intention: 'undecided',
    consentConsulate: 'not_asked',
    protectionConcern: false,
    notes: '',
  };
}

/** A draft before validation: the location may still be missing. Parsed by `GroupInput` as is. */
export type FormDraft = Omit<GroupInputDraft, 'location'> & { location?: GroupInputDraft['location'] };

/** What is needed to map a draft's array indexes back to the form rows they came from. */
export interface DraftIndex {
  nationalityKeys: string[];
  needTypes: NeedType[];
}

// An empty required number becomes NaN, which the schema refuses with `invalid_type` at its own
// path: the error lands beside the right field with no special case here.
const required = (n: CountValue): number => (n === null ? Number.NaN : n);

function counts<K extends string>(values: Record<K, CountValue>): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const [k, v] of Object.entries(values) as [K, CountValue][]) if (v !== null) out[k] = v;
  return out;
}

function localToIso(value: string): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

/**
 * Builds the `GroupInput` draft the form stands for, with the ids it needs (the group's, each
 * need's). Empty optional inputs are left out so the schema's defaults apply, exactly as on the
 * server.
 */
export function buildDraft(form: GroupFormState, ids: { groupId: string; needId: (type: NeedType) => string }): { draft: FormDraft; index: DraftIndex } {
  const nationalityRows = form.nationalities.filter((row) => row.code !== '' || row.count !== null);
  const needRows = form.needs.filter((row) => row.checked);
  const draft: FormDraft = {
    id: ids.groupId,
    seenAt: localToIso(form.seenAt),
    headcount: { total: required(form.total), female: counts(form.breakdown.female), male: counts(form.breakdown.male) },
    nationalities: nationalityRows.map((row) => ({ code: row.code, count: required(row.count) })),
    // An empty count is refused beside its field, not saved as 0: 0 would read as "not counted".
    needs: needRows.map((row) => ({ id: ids.needId(row.type), type: row.type, severity: row.severity, people: required(row.people) })),
    vulnerabilities: counts(form.vulnerabilities),
    documents: counts(form.documents),
    intention: form.intention,
    consentConsulate: form.consentConsulate,
    protectionConcern: form.protectionConcern,
    notes: form.notes,
  };
  if (form.lat !== null && form.lon !== null) {
    draft.location = { lat: form.lat, lon: form.lon, accuracyM: form.accuracyM, placeName: form.placeName, siteType: form.siteType, siteId: form.siteId };
  }
  return { draft, index: { nationalityKeys: nationalityRows.map((r) => r.key), needTypes: needRows.map((r) => r.type) } };
}

/** A validation problem, from zod on the client or from the server's `invalid` reply. */
export interface FieldIssue {
  readonly path: readonly PropertyKey[];
  readonly code: string;
  readonly expected?: unknown;
  readonly origin?: unknown;
  readonly minimum?: unknown;
  readonly maximum?: unknown;
}

/**
 * The form field an issue belongs to, as a dotted key (`headcount.total`,
 * `nationalities.<rowKey>.count`, `needs.food.people`); the form gives each field the element id
 * `fieldId(key)`.
 */
export function fieldKeyForIssue(path: readonly PropertyKey[], index: DraftIndex): string {
  const [head, second, third] = path;
  switch (head) {
    case 'location':
      return second === 'placeName' || second === 'siteType' || second === 'siteId' ? `location.${second}` : 'location';
    case 'nationalities': {
      if (typeof second !== 'number') return 'nationalities';
      const key = index.nationalityKeys[second];
      if (key === undefined) return 'nationalities';
      return `nationalities.${key}.${third === 'count' ? 'count' : 'code'}`;
    }
    case 'needs': {
      if (typeof second !== 'number') return 'needs';
      const type = index.needTypes[second];
      if (type === undefined) return 'needs';
      return third === 'severity' || third === 'people' ? `needs.${type}.${third}` : `needs.${type}`;
    }
    case 'headcount':
      return second === 'female' || second === 'male' ? path.slice(0, 3).map(String).join('.') : 'headcount.total';
    case 'vulnerabilities':
    case 'documents':
      return typeof second === 'string' ? `${head}.${second}` : head;
    case 'seenAt':
    case 'intention':
    case 'consentConsulate':
    case 'protectionConcern':
    case 'notes':
      return head;
    default:
      return 'form';
  }
}

/** The element id of a field key. */
export function fieldId(key: string): string {
  return `f-${key.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
}

export interface IssueMessage {
  key: MessageKey;
  params?: Record<string, number>;
}

const asNumber = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined);

/**
 * The catalogue message for an issue. Zod's own messages are English and for developers; the
 * person sees catalogue text chosen by the issue's code and path.
 */
export function issueMessage(issue: FieldIssue): IssueMessage {
  const [head, second, third] = issue.path;
  switch (issue.code) {
    case 'invalid_type':
      if (head === 'location' && second === undefined) return { key: 'form.error.location' };
      if (head === 'needs' && third === 'people' && issue.expected !== 'int') return { key: 'form.error.needPeople' };
      if (issue.expected === 'int') return { key: 'form.error.number' };
      return { key: 'form.error.required' };
    case 'too_small': {
      const min = asNumber(issue.minimum);
      if (issue.origin === 'string') return { key: 'form.error.required' };
      return min === undefined ? { key: 'form.error.invalid' } : { key: 'form.error.min', params: { min } };
    }
    case 'too_big': {
      const max = asNumber(issue.maximum);
      if (max === undefined) return { key: 'form.error.invalid' };
      return issue.origin === 'string' ? { key: 'form.error.tooLong', params: { max } } : { key: 'form.error.max', params: { max } };
    }
    case 'invalid_format':
      return head === 'seenAt' ? { key: 'form.error.date' } : { key: 'form.error.invalid' };
    case 'invalid_union':
    case 'invalid_value':
      return { key: 'form.error.choose' };
    case 'site_unknown':
      // The server's named issue (issue 20): the chosen site is not one of the crisis's.
      return { key: 'form.error.siteUnknown' };
    case 'custom':
      if (head === 'headcount') return { key: 'form.error.breakdownExceedsTotal' };
      if (head === 'nationalities') return second === undefined ? { key: 'form.error.nationalitiesExceedTotal' } : { key: 'form.error.duplicateNationality' };
      if (head === 'documents' && second === undefined) return { key: 'form.error.documentsExceedTotal' };
      if (head === 'needs' && third === 'type') return { key: 'form.error.duplicateNeed' };
      if (head === 'needs' || head === 'vulnerabilities' || head === 'documents') return { key: 'form.error.moreThanTotal' };
      return { key: 'form.error.invalid' };
    default:
      return { key: 'form.error.invalid' };
  }
}

/**
 * The form holding a report again (to fix one the server refused): the inverse of `buildDraft`.
 * The group and need ids are the caller's to keep, so the corrected report is the same group.
 */
export function formFromInput(group: GroupInput): GroupFormState {
  const form = emptyForm(new Date(group.seenAt));
  const fill = <K extends string>(target: Record<K, CountValue>, source: Partial<Record<K, number>>) => {
    for (const key of Object.keys(target) as K[]) target[key] = source[key] ?? null;
  };
  form.lat = group.location.lat;
  form.lon = group.location.lon;
  form.accuracyM = group.location.accuracyM ?? null;
  form.placeName = group.location.placeName;
  form.siteType = group.location.siteType;
  form.siteId = group.location.siteId ?? null;
  form.total = group.headcount.total;
  fill(form.breakdown.female, group.headcount.female);
  fill(form.breakdown.male, group.headcount.male);
  form.nationalities = group.nationalities.map((n, i) => ({ key: `loaded-${i}`, code: n.code, count: n.count }));
  form.needs = form.needs.map((row) => {
    const need = group.needs.find((n) => n.type === row.type);
    return need ? { type: row.type, checked: true, severity: need.severity, people: need.people } : row;
  });
  fill(form.vulnerabilities, group.vulnerabilities);
  fill(form.documents, group.documents);
  form.intention = group.intention;
  form.consentConsulate = group.consentConsulate;
  form.protectionConcern = group.protectionConcern;
  form.notes = group.notes;
  return form;
}
