/** Messages of the language picker. The languages' own names are not here: each is written in itself (LOCALES). */
export default {
  'language.label': 'Language',
} as const;
