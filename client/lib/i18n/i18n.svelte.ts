import en, { type MessageKey } from './en';
import fr from './fr';
import ar from './ar';

type Catalogue = Readonly<Record<string, string>>;

export interface Locale {
  /** BCP 47 language code, set on `<html lang>`. */
  code: string;
  dir: 'ltr' | 'rtl';
  /** The language's name in itself, as the picker shows it whatever the active language. */
  name: string;
  /**
   * The tag given to `Intl` for numbers, dates and plural rules. Arabic asks for Latin digits
   * (`-u-nu-latn`): see the README's "Languages" section for why.
   */
  intl: string;
  messages: Catalogue;
}

/** Every language the app speaks, in the order the picker lists them. */
export const LOCALES: readonly Locale[] = [
  { code: 'en', dir: 'ltr', name: 'English', intl: 'en', messages: en },
  { code: 'fr', dir: 'ltr', name: 'Français', intl: 'fr', messages: fr },
  { code: 'ar', dir: 'rtl', name: 'العربية', intl: 'ar-u-nu-latn', messages: ar },
];
const ENGLISH = LOCALES[0]!;

/** Where the person's choice is kept on this device (not in the account: a shared phone changes hands). */
export const LOCALE_STORAGE_KEY = 'waymark.locale';

type Params = Record<string, string | number>;

/** The language for a list of BCP 47 tags in order of preference (`navigator.languages`): the first whose primary subtag we speak. */
export function matchLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split(/[-_]/)[0];
    const found = LOCALES.find((l) => l.code === primary);
    if (found) return found;
  }
  return ENGLISH;
}

function storedChoice(): string | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage.getItem(LOCALE_STORAGE_KEY);
  } catch {
    // Storage can be refused (private mode, a locked-down browser): the browser's language then.
    return null;
  }
}

/** The language to start in: the choice saved on this device, else the browser's, else English. */
function initialLocale(): Locale {
  const saved = storedChoice();
  const chosen = saved ? LOCALES.find((l) => l.code === saved) : undefined;
  if (chosen) return chosen;
  if (typeof navigator === 'undefined') return ENGLISH;
  return matchLocale(navigator.languages?.length ? navigator.languages : [navigator.language]);
}

/**
 * The active language and its catalogue. Adding a language means adding a catalogue to LOCALES,
 * not changing code that shows words.
 */
class I18n {
  locale = $state.raw<Locale>(initialLocale());

  constructor() {
    this.applyToDocument();
  }

  get code(): string {
    return this.locale.code;
  }
  get dir(): 'ltr' | 'rtl' {
    return this.locale.dir;
  }

  /**
   * Switches the language, keeps the choice on this device and sets `<html lang dir>` at once, so
   * a component made right after (the map, which places its controls by the page's direction)
   * already sees the new direction.
   */
  setLocale(code: string): void {
    const next = LOCALES.find((l) => l.code === code);
    if (!next || next === this.locale) return;
    try {
      localStorage.setItem(LOCALE_STORAGE_KEY, next.code);
    } catch {
      // Not kept for next time, but switched now.
    }
    this.locale = next;
    this.applyToDocument();
  }

  private applyToDocument(): void {
    if (typeof document === 'undefined') return;
    document.documentElement.lang = this.locale.code;
    document.documentElement.dir = this.locale.dir;
  }

  /** The message for `key` in the active language, with `{name}` placeholders filled. */
  t = (key: MessageKey, params?: Params): string => {
    const messages = this.locale.messages;
    const english = en as Catalogue;
    let template: string | undefined;
    if (params && typeof params.count === 'number') {
      const form = cachedIntl(PLURALS, this.locale.intl, () => new Intl.PluralRules(this.locale.intl)).select(params.count);
      template = messages[`${key}_${form}`] ?? messages[`${key}_other`];
      // A catalogue missing the key (the completeness test forbids it) shows English, never the key.
      if (template === undefined && `${key}_other` in english) {
        template = english[`${key}_${new Intl.PluralRules('en').select(params.count)}`] ?? english[`${key}_other`];
      }
    }
    template ??= messages[key] ?? english[key] ?? key;
    return params ? template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? this.format(params[name]!) : m)) : template;
  };

  /** Numbers in the active language's digits and separators. */
  format(value: string | number): string {
    return typeof value === 'number' ? cachedIntl(NUMBERS, this.locale.intl, () => new Intl.NumberFormat(this.locale.intl)).format(value) : value;
  }

  /** Items as one list in the active language: "a, b, c" in English, "a, b et c", "a، وb، وc". */
  list(items: readonly string[]): string {
    return new Intl.ListFormat(this.locale.intl, { style: 'short', type: 'unit' }).format(items);
  }

  /** A date and time in the active language. */
  dateTime(iso: string): string {
    return new Intl.DateTimeFormat(this.locale.intl, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
  }

  /**
   * How long ago (or how far ahead) a moment is, in words ("5 minutes ago"); past a week, the date.
   * `now` is passed in so a list can refresh all its rows from one clock.
   */
  relativeTime(iso: string, now: number): string {
    const seconds = (new Date(iso).getTime() - now) / 1000;
    const abs = Math.abs(seconds);
    if (abs >= 7 * 86_400) return this.dateTime(iso);
    const format = new Intl.RelativeTimeFormat(this.locale.intl, { numeric: 'auto' });
    if (abs < 60) return format.format(0, 'second');
    if (abs < 3600) return format.format(Math.round(seconds / 60), 'minute');
    if (abs < 86_400) return format.format(Math.round(seconds / 3600), 'hour');
    return format.format(Math.round(seconds / 86_400), 'day');
  }

  /** A country's name in the active language, from its ISO alpha-2 code. */
  country(iso2: string): string {
    return new Intl.DisplayNames([this.locale.intl], { type: 'region' }).of(iso2) ?? iso2;
  }
}

export const i18n = new I18n();
export const t = i18n.t;

// Intl objects are costly to make and immutable: one per language, shared (lists of thousands of
// rows format a number or two each).
const PLURALS = new Map<string, Intl.PluralRules>();
const NUMBERS = new Map<string, Intl.NumberFormat>();
function cachedIntl<T>(cache: Map<string, T>, tag: string, make: () => T): T {
  let value = cache.get(tag);
  if (value === undefined) cache.set(tag, (value = make()));
  return value;
}
