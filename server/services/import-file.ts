import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { DELIMITER_CHAR, type ImportDelimiter, type ImportEncoding } from '../../shared/import-detect';
import { failure, type Failure } from '../../shared/protocol';

/** Splits the file so the parser streams it instead of taking one 30 MB chunk. */
function* slices(csv: Buffer, size = 64 * 1024): Generator<Buffer> {
  for (let at = 0; at < csv.length; at += size) yield csv.subarray(at, at + size);
}

/** Every record of the file, as arrays of cells, streamed through csv-parse. */
export function records(csv: Buffer, delimiter: ImportDelimiter): AsyncIterable<string[]> {
  return Readable.from(slices(csv)).pipe(
    parse({ bom: true, delimiter: DELIMITER_CHAR[delimiter], relax_column_count: true, skip_empty_lines: true, max_record_size: 1024 * 1024 }),
  );
}

const DELIMITER_WORD: Record<ImportDelimiter, string> = { comma: 'commas', semicolon: 'semicolons', tab: 'tabs' };

/**
 * A parser error as the person can act on it: the line, and the delimiter and encoding it was read
 * with. csv-parse's own message quotes the field's content ("value is ..."), so only its line is
 * kept: an error is shown and logged, and a cell can hold anything.
 */
export function unreadable(error: unknown, delimiter: ImportDelimiter, encoding: ImportEncoding): Failure {
  const line = typeof error === 'object' && error !== null && 'lines' in error && typeof error.lines === 'number' ? error.lines : null;
  const where = line === null ? '' : ` at line ${line}`;
  return failure(
    'invalid',
    `not a readable CSV file${where} when read as ${encoding} with ${DELIMITER_WORD[delimiter]} between cells; choose another delimiter or encoding`,
  );
}
