/**
 * The part of the HXL hashtag dictionary that Waymark's exports (and the tests' validator) need.
 *
 * Source: "HXL hashtag dictionary", HXL standard version 1.1 (hxlstandard.org/standard/1-1final/
 * dictionary/), written down from it by hand, together with the data types that libhxl-python's
 * default validation schema (hxl/hxl-default-schema.json) enforces as errors: `#date` is always a
 * date; `#population`, `#affected`, `#inneed`, `#targeted`, `#reached`, `#indicator+num`,
 * `#output+num` and `#value` are always numbers. No copy of the dictionary was at hand when this
 * was written, so an entry here may be checked against the published one; each says its data type
 * explicitly so a disagreement is easy to see.
 *
 * Data types: `number` (a decimal number, nothing else), `date` (ISO 8601 date or date-time),
 * `text` (anything). A hashtag whose type is `text` becomes `number` with the `+num` attribute
 * (HXL 1.1: "+num: the value is numeric").
 */

export type HxlDataType = 'number' | 'date' | 'text';

export interface HxlHashtag {
  /** The data type the dictionary gives the hashtag (before attributes). */
  type: HxlDataType;
  /** The dictionary's own words, shortened. */
  means: string;
}

/** Core hashtags (HXL 1.1), with their data type. Anything else is an error (except `#x_…`, see below). */
export const HXL_HASHTAGS: Readonly<Record<string, HxlHashtag>> = {
  // Places
  '#region': { type: 'text', means: 'a multi-country region' },
  '#country': { type: 'text', means: 'a country (admin level 0); +code for ISO 3166-1 alpha-3' },
  '#adm1': { type: 'text', means: 'top-level subdivision of a country (province, governorate)' },
  '#adm2': { type: 'text', means: 'second-level subdivision (district)' },
  '#adm3': { type: 'text', means: 'third-level subdivision' },
  '#adm4': { type: 'text', means: 'fourth-level subdivision' },
  '#adm5': { type: 'text', means: 'fifth-level subdivision' },
  '#loc': { type: 'text', means: 'any place (village, camp, site) below or outside the admin levels' },
  '#geo': { type: 'text', means: 'geographical coordinates (+lat, +lon: decimal degrees, WGS84)' },
  // People
  '#population': { type: 'number', means: 'general population, affected or not' },
  '#affected': { type: 'number', means: 'number of people or households affected by the emergency' },
  '#inneed': { type: 'number', means: 'number of people or households in need of assistance' },
  '#targeted': { type: 'number', means: 'number of people or households targeted for assistance' },
  '#reached': { type: 'number', means: 'number of people or households reached with assistance' },
  '#beneficiary': { type: 'text', means: 'the intended beneficiaries of an activity (a description)' },
  '#respondee': { type: 'text', means: 'a respondent to a survey' },
  // Response
  '#org': { type: 'text', means: 'a humanitarian organisation (+impl, +funder, +prog; +name, +acronym, +type)' },
  '#sector': { type: 'text', means: 'a humanitarian sector or cluster (+cluster)' },
  '#subsector': { type: 'text', means: 'a subsector' },
  '#activity': { type: 'text', means: 'a programme, project or activity' },
  '#output': { type: 'text', means: 'the output or outcome of an activity (+num: a number)' },
  '#status': { type: 'text', means: 'the status of a report, activity, project or record' },
  '#need': { type: 'text', means: 'a humanitarian need' },
  '#service': { type: 'text', means: 'a service provided' },
  '#item': { type: 'text', means: 'an item (food, kits)' },
  '#capacity': { type: 'text', means: 'a capacity (+num: a number)' },
  '#operations': { type: 'text', means: 'operational constraints or status' },
  '#access': { type: 'text', means: 'barriers or restrictions to humanitarian access' },
  '#channel': { type: 'text', means: 'a means of delivery' },
  '#modality': { type: 'text', means: 'a modality of assistance (cash, in-kind)' },
  '#contact': { type: 'text', means: 'contact information' },
  // Crises and events
  '#crisis': { type: 'text', means: 'a humanitarian crisis or emergency' },
  '#event': { type: 'text', means: 'a specific event or incident' },
  '#group': { type: 'text', means: 'a non-humanitarian actor, such as an armed group: never a record id' },
  '#cause': { type: 'text', means: 'the cause of something' },
  '#severity': { type: 'text', means: 'the severity of something (a level or a number)' },
  '#impact': { type: 'text', means: 'an impact of something' },
  '#frequency': { type: 'text', means: 'how often something happens' },
  // Data
  '#date': { type: 'date', means: 'a date (+start, +end, +reported, +occurred)' },
  '#indicator': { type: 'text', means: 'a general indicator (+num: numeric, +text: text)' },
  '#value': { type: 'number', means: 'a monetary value' },
  '#currency': { type: 'text', means: 'a currency (ISO 4217)' },
  '#description': { type: 'text', means: 'a long description of what the row represents' },
  '#meta': { type: 'text', means: "metadata about the row or the data (+id: the row's identifier)" },
};

/**
 * Core attributes (HXL 1.1) Waymark uses. The standard allows attributes of one's own; Waymark's
 * are in WAYMARK_ATTRIBUTES below, each with why no core attribute serves, so that an attribute
 * nobody declared (a typo) is an error.
 */
export const HXL_ATTRIBUTES: Readonly<Record<string, string>> = {
  // Kinds of value
  code: 'a code (ISO 3166, p-code)',
  name: 'a name',
  id: 'a unique identifier',
  type: 'a type or category',
  num: 'the value is numeric',
  text: 'the value is text',
  acronym: 'an acronym',
  // Geography
  lat: 'latitude, decimal degrees',
  lon: 'longitude, decimal degrees',
  coord: 'latitude and longitude together',
  origin: 'place of origin (e.g. #country+origin: nationality or country of origin)',
  dest: 'destination',
  // Sex and age
  f: 'female',
  m: 'male',
  children: 'children (under 18)',
  adults: 'adults',
  elderly: 'older people',
  // Populations
  displaced: 'displaced people',
  refugees: 'refugees',
  idps: 'internally displaced people',
  ind: 'counting individuals',
  hh: 'counting households',
  total: 'a total',
  // Organisations and sectors
  impl: 'implementing partner',
  funder: 'funder or donor',
  prog: 'programming organisation',
  cluster: 'an IASC cluster',
  // Dates and status
  start: 'start date',
  end: 'end date',
  reported: 'date of the report',
  occurred: 'date it happened',
  planned: 'planned, not yet done',
  // Indicators
  max: 'a maximum',
  pct: 'a percentage',
};

/** Waymark's own attributes (the standard allows them), and why no core one fits. */
export const WAYMARK_ATTRIBUTES: Readonly<Record<string, string>> = {
  migrants: 'the people counted are migrants stranded by the crisis (HXL has +refugees and +idps, not migrants)',
  seen: 'on #date: when a field team last saw the group (not when it was reported)',
  updated: 'on #date: the latest change of the record',
  due: 'on #date: the date an agency expects to complete',
  nationality: 'on #indicator+text: people per nationality, "ISO3:people" items',
  nationals: "on #affected: people of the embassy's own state in the group",
  intention: 'on #indicator: what the group intends (stay, relocate, evacuate, third country)',
  documents_valid: 'people with valid documents',
  documents_lost: 'people whose documents were lost or destroyed',
  documents_confiscated: 'people whose documents were confiscated',
  documents_never_had: 'people who never had documents',
  documents_unknown: 'people whose documents are not known',
  nodocs: 'people whose documents were lost, destroyed or confiscated',
  unaccompaniedchildren: 'unaccompanied children',
  separatedchildren: 'separated children',
  pregnantorlactating: 'pregnant or lactating women',
  disability: 'people with a disability',
  olderpersons: 'older persons',
  seriousmedical: 'people with a serious medical condition',
  possibletrafficking: 'people possibly trafficked',
  detained: 'people in detention',
  groups: 'on #indicator: a count of groups (records), not of people',
  assignments: 'on #indicator: a count of assignments (records), not of people',
  proposed: 'in the assignment status counts',
  accepted: 'in the assignment status counts',
  in_progress: 'in the assignment status counts',
  completed: 'in the assignment status counts',
  declined: 'in the assignment status counts',
  overdue: 'in the assignment status counts',
  suppressed: 'on #meta: the count beside is withheld (1 to 4 people), its cell left empty',
  dimension: 'on #meta: what a row of an aggregate counts by (total, status, need)',
  category: 'on #meta: the category of that dimension',
};

/** Attribute rules: an attribute that makes a value numeric, and codes that have a fixed shape. */
export const NUMERIC_ATTRIBUTE = 'num';
