/** رسائل اختيار اللغة. */
export default {
  'language.label': 'اللغة',
} satisfies Record<string, string>;
