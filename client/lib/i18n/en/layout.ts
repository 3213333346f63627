/** Messages of the workspace's layout: skip links, the side panel, the audit log's page. */
export default {
  'skip.label': 'Skip links',
  'skip.map': 'Skip to the map',
  'skip.panel': 'Skip to {panel}',
  'skip.list': 'Skip to the list of groups on the map',
  'skip.details': 'Skip to the group’s details',
  'view.panels': 'Side panel',
  'side.tab.list': 'List',
  'side.tab.work': 'Work',
  'filters.fold': 'Filters',
  'filters.on': 'on',
  'audit.page.open': 'Audit log',
  'audit.page.back': 'Back to the map',
} as const;
