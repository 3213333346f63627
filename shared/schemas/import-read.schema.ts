import { z } from 'zod';

/** Text encodings an import reads (detected, or chosen by the person). Apart from the detection so the client bundles no CSV parser. */
export const IMPORT_ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252'] as const;
export const ImportEncoding = z.enum(IMPORT_ENCODINGS);
export type ImportEncoding = z.infer<typeof ImportEncoding>;

/** Delimiters a file may use, by name (a tab cannot travel in a query string readably). */
export const IMPORT_DELIMITERS = ['comma', 'semicolon', 'tab'] as const;
export const ImportDelimiter = z.enum(IMPORT_DELIMITERS);
export type ImportDelimiter = z.infer<typeof ImportDelimiter>;
export const DELIMITER_CHAR: Readonly<Record<ImportDelimiter, string>> = { comma: ',', semicolon: ';', tab: '\t' };
