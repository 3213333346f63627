import fs from 'node:fs';

/** The first bytes of every PMTiles archive: the magic "PMTiles" and the spec version. */
const MAGIC = Buffer.from('PMTiles', 'ascii');
/** The only spec version the client's pmtiles reader (4.x) draws. */
const SPEC_VERSION = 3;

/**
 * Why this file cannot be served as the street basemap, or null when it can: it must exist, be a
 * readable regular file, and start like a PMTiles v3 archive. Checked at startup so that an operator
 * who mistyped the path, or downloaded an .mbtiles, learns it before anyone opens the map.
 */
export function pmtilesFileProblem(file: string): string | null {
  let fd: number;
  try {
    if (!fs.statSync(file).isFile()) return `${file} is not a file`;
    fd = fs.openSync(file, 'r');
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? error.code : null;
    if (code === 'ENOENT') return `no file at ${file}`;
    if (code === 'EACCES' || code === 'EPERM') return `${file} cannot be read by this process`;
    return `${file} cannot be opened (${code ?? 'unknown error'})`;
  }
  try {
    const head = Buffer.alloc(MAGIC.length + 1);
    const read = fs.readSync(fd, head, 0, head.length, 0);
    if (read < head.length || !head.subarray(0, MAGIC.length).equals(MAGIC)) return `${file} is not a PMTiles archive`;
    const version = head[MAGIC.length];
    if (version !== SPEC_VERSION)
      return `${file} is a PMTiles version ${version} archive; version ${SPEC_VERSION} is needed (convert it with \`pmtiles convert\`)`;
    return null;
  } finally {
    fs.closeSync(fd);
  }
}
