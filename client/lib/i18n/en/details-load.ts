/** Messages of a group's details while only its summary is held (a big crisis's coordinator). Keys are `details.summary.thing`. */
export default {
  'details.summary.loading': 'Loading the full details of this group…',
  'details.summary.offline':
    'Offline: only a summary of this group is on this device. Its full details, and the actions on it, load when the connection is back.',
  'details.summary.failed': 'The full details of this group could not be loaded.',
  'details.summary.notFound': 'This group is no longer in your view.',
  'details.summary.retry': 'Try again',
} as const;
