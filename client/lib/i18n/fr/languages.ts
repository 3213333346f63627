/** Messages du sélecteur de langue. */
export default {
  'language.label': 'Langue',
} satisfies Record<string, string>;
