/** Messages of the app shell, sign-in, forms, lists and details. Keys are `area.thing`. */
export default {
  'app.name': 'Waymark',
} as const;
