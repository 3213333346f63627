/** Messages des détails d'un groupe dont seul le résumé est présent. */
export default {
  'details.summary.loading': 'Chargement des détails complets de ce groupe…',
  'details.summary.offline':
    'Hors ligne : seul un résumé de ce groupe est sur cet appareil. Ses détails complets, et les actions possibles, se chargeront au retour de la connexion.',
  'details.summary.failed': 'Les détails complets de ce groupe n’ont pas pu être chargés.',
  'details.summary.notFound': 'Ce groupe ne fait plus partie de votre vue.',
  'details.summary.retry': 'Réessayer',
} satisfies Record<string, string>;
