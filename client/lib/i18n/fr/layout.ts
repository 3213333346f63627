/** Messages de la disposition de l’espace de travail : liens d’évitement, panneau latéral, page du journal d’audit. */
export default {
  'skip.label': 'Liens d’évitement',
  'skip.map': 'Aller à la carte',
  'skip.panel': 'Aller à : {panel}',
  'skip.list': 'Aller à la liste des groupes de la carte',
  'skip.details': 'Aller aux détails du groupe',
  'view.panels': 'Panneau latéral',
  'side.tab.list': 'Liste',
  'side.tab.work': 'Travail',
  'filters.fold': 'Filtres',
  'filters.on': 'actifs',
  'audit.page.open': 'Journal d’audit',
  'audit.page.back': 'Retour à la carte',
};
