import en, { type MessageKey } from './en';

type Catalogue = Record<string, string>;
interface Locale {
  code: string;
  dir: 'ltr' | 'rtl';
  messages: Catalogue;
}

const LOCALES: Record<string, Locale> = {
  en: { code: 'en', dir: 'ltr', messages: en },
};

type Params = Record<string, string | number>;

/**
 * The active language and its catalogue. Adding a language means adding a catalogue to LOCALES,
 * not changing code that shows words.
 */
class I18n {
  locale = $state<Locale>(LOCALES.en!);

  get code(): string {
    return this.locale.code;
  }
  get dir(): 'ltr' | 'rtl' {
    return this.locale.dir;
  }

  /** The message for `key` in the active language, with `{name}` placeholders filled. */
  t = (key: MessageKey, params?: Params): string => {
    const messages = this.locale.messages;
    let template: string | undefined;
    if (params && typeof params.count === 'number') {
      const form = new Intl.PluralRules(this.locale.code).select(params.count);
      template = messages[`${key}_${form}`] ?? messages[`${key}_other`];
    }
    template ??= messages[key] ?? (en as Catalogue)[key] ?? key;
    return params ? template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? this.format(params[name]!) : m)) : template;
  };

  /** Numbers in the active language's digits and separators. */
  format(value: string | number): string {
    return typeof value === 'number' ? new Intl.NumberFormat(this.locale.code).format(value) : value;
  }

  /** A date and time in the active language. */
  dateTime(iso: string): string {
    return new Intl.DateTimeFormat(this.locale.code, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
  }

  /**
   * How long ago (or how far ahead) a moment is, in words ("5 minutes ago"); past a week, the date.
   * `now` is passed in so a list can refresh all its rows from one clock.
   */
  relativeTime(iso: string, now: number): string {
    const seconds = (new Date(iso).getTime() - now) / 1000;
    const abs = Math.abs(seconds);
    if (abs >= 7 * 86_400) return this.dateTime(iso);
    const format = new Intl.RelativeTimeFormat(this.locale.code, { numeric: 'auto' });
    if (abs < 60) return format.format(0, 'second');
    if (abs < 3600) return format.format(Math.round(seconds / 60), 'minute');
    if (abs < 86_400) return format.format(Math.round(seconds / 3600), 'hour');
    return format.format(Math.round(seconds / 86_400), 'day');
  }

  /** A country's name in the active language, from its ISO alpha-2 code. */
  country(iso2: string): string {
    return new Intl.DisplayNames([this.locale.code], { type: 'region' }).of(iso2) ?? iso2;
  }
}

export const i18n = new I18n();
export const t = i18n.t;
