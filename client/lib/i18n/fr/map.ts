/** Messages de la carte, de sa légende et de ses commandes. */
export default {
  'map.label': 'Carte des groupes signalés',
  'map.summary_one': '{count} groupe sur la carte. La liste montre les mêmes groupes avec leurs détails.',
  'map.summary_other': '{count} groupes sur la carte. La liste montre les mêmes groupes avec leurs détails.',
  'map.canvas': 'Carte. Les flèches la déplacent, plus et moins zooment.',
  'map.unavailable': 'La carte ne peut pas s’afficher sur cet appareil. La liste montre chaque groupe.',
  'map.basemapFailed': 'Les contours des pays n’ont pas pu être chargés ; les groupes restent affichés.',
  'map.attribution': 'Réalisé avec Natural Earth',
  'map.streetsFailed': 'Le plan des rues n’a pas pu être chargé ici ; les contours des pays et les groupes restent affichés.',
  'map.attributionStreets': 'Rues : Protomaps, © les contributeurs d’OpenStreetMap',

  'map.control.zoomIn': 'Zoom avant',
  'map.control.zoomOut': 'Zoom arrière',
  'map.control.resetBearing': 'Faites glisser pour tourner la carte, sélectionnez pour revenir au nord',
  'map.control.attribution': 'Afficher ou masquer les crédits',
  'map.scale.meters': 'm',
  'map.scale.kilometers': 'km',

  'map.pick.hint': 'Touchez la carte là où se trouve le groupe, ou appuyez sur Entrée pour prendre le centre de la carte.',
  'map.pick.marker': 'Lieu signalé',

  'map.legend.title': 'Légende',
  'map.legend.show': 'Afficher la légende',
  'map.legend.hide': 'Masquer la légende',
  'map.legend.statuses': 'Statut d’un groupe',
  'map.legend.size': 'Points plus grands : plus de personnes',
  'map.legend.cluster': 'Groupes proches les uns des autres, avec leur nombre ; l’anneau montre leurs statuts ; sélectionnez pour zoomer',
  'map.legend.clusterAttention':
    'Point sur un regroupement : certains de ses groupes ont un besoin que personne n’a pris (orange) ou une agence en retard (rouge)',
  'map.legend.pending': 'Pas encore envoyé',
  'map.legend.selected': 'Sélectionné',

  'map.status.reported': 'Signalé',
  'map.status.verified': 'Vérifié',
  'map.status.assistance_in_progress': 'Aide en cours',
  'map.status.assisted': 'Assisté',
  'map.status.relocated': 'Relocalisé',
  'map.status.evacuated': 'Évacué',
  'map.status.returned': 'Retourné',
  'map.status.closed': 'Clôturé',
  'map.status.duplicate': 'Doublon',
  'map.status.unreachable': 'Injoignable',
} satisfies Record<string, string>;
