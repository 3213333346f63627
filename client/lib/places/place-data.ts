// Fetched rather than imported: as an asset it is cached on its own (and by the service worker)
// and the map draws while it arrives. Never inlined as a data: URL, which the CSP would refuse.
import placesUrl from './places.json?url&no-inline';
import { parsePlaces, type Gazetteer } from './places';

let loading: Promise<Gazetteer> | null = null;

/** The region's gazetteer, downloaded once per page and shared by the map, the search and the form. */
export function loadGazetteer(): Promise<Gazetteer> {
  if (!loading) {
    const attempt = fetch(placesUrl)
      .then((response) => {
        if (!response.ok) throw new Error(`places: HTTP ${response.status}`);
        return response.json() as Promise<unknown>;
      })
      .then(parsePlaces);
    // A failed download (offline before it was ever cached) is tried again by the next caller.
    attempt.catch(() => {
      if (loading === attempt) loading = null;
    });
    loading = attempt;
  }
  return loading;
}
