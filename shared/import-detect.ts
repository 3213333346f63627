/**
 * What an uploaded file is before it is a table: its text encoding and its delimiter. Detected,
 * shown in the preview, and changeable by the person, never silently assumed: a Windows-1252 file
 * read as UTF-8 turns "Bénin" into mojibake, and a `;` file read as `,` fails on its first quote.
 * Pure (TextDecoder and csv-parse only), so the rules are unit-tested.
 */
import { parse } from 'csv-parse/sync';
import { DELIMITER_CHAR, IMPORT_DELIMITERS, type ImportDelimiter, type ImportEncoding } from './schemas/import-read.schema';

export { DELIMITER_CHAR, IMPORT_DELIMITERS, IMPORT_ENCODINGS, ImportDelimiter, ImportEncoding } from './schemas/import-read.schema';

/**
 * The encoding of a file: a byte order mark decides (UTF-8, UTF-16 LE/BE); without one, UTF-16 is
 * recognised by its zero bytes (ASCII text in UTF-16 has every other byte zero); then valid UTF-8 is
 * UTF-8, and anything else is Windows-1252 (a superset of Latin-1 for text: Excel's "CSV" on
 * Western-European Windows).
 */
export function detectEncoding(bytes: Uint8Array): ImportEncoding {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  const head = bytes.subarray(0, 4096);
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < head.length; i += 1) {
    if (head[i] !== 0) continue;
    if (i % 2 === 0) evenZeros++;
    else oddZeros++;
  }
  if (oddZeros > head.length / 4) return 'utf-16le';
  if (evenZeros > head.length / 4) return 'utf-16be';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

/**
 * Windows-1252's 0x80-0x9F (curly quotes, dashes, euro, ...), where it differs from Latin-1; the
 * undefined five stay as they are. Written out because Node's TextDecoder("windows-1252") decodes
 * them as Latin-1 control characters (measured here: 0x96 came out as U+0096, not an en dash).
 */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c,
  0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
];

function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  for (let at = 0; at < bytes.length; at += 8192) {
    const chunk = bytes.subarray(at, at + 8192);
    out += String.fromCharCode(...Array.from(chunk, (b) => (b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80]! : b)));
  }
  return out;
}

/** The file as text in the given encoding, without its byte order mark. */
export function decodeText(bytes: Uint8Array, encoding: ImportEncoding): string {
  if (encoding === 'windows-1252') return decodeWindows1252(bytes);
  // TextDecoder drops a BOM matching its encoding ("ignoreBOM: false" is the default).
  return new TextDecoder(encoding).decode(bytes);
}

/**
 * The delimiter of a CSV text: each candidate parses the first lines (quotes respected, so a `;`
 * or `,` inside a quoted cell counts for nothing); the one giving the most rows of one width
 * above 1 wins, a comma on a tie. A candidate the parser refuses (an "Invalid Opening Quote" is
 * what a `;` file read as `,` gives) scores nothing.
 */
export function detectDelimiter(text: string): ImportDelimiter {
  // The first 30 lines (`to_line` counts source lines, so a quoted cell across lines stays whole).
  const head = text.slice(0, 64 * 1024);
  let best: ImportDelimiter = 'comma';
  let bestScore = 0;
  for (const name of IMPORT_DELIMITERS) {
    let rows: string[][];
    try {
      rows = parse(head, { delimiter: DELIMITER_CHAR[name], relax_column_count: true, skip_empty_lines: true, to_line: 30 }) as string[][];
    } catch {
      continue;
    }
    const widths = new Map<number, number>();
    for (const r of rows) widths.set(r.length, (widths.get(r.length) ?? 0) + 1);
    let score = 0;
    for (const [width, count] of widths) if (width > 1) score = Math.max(score, count * Math.min(width, 50));
    if (score > bestScore) {
      best = name;
      bestScore = score;
    }
  }
  return best;
}
