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

  /** A country's name in the active language, from its ISO alpha-2 code. */
  country(iso2: string): string {
    return new Intl.DisplayNames([this.locale.code], { type: 'region' }).of(iso2) ?? iso2;
  }
}

export const i18n = new I18n();
export const t = i18n.t;
