import { describe, expect, it } from 'vitest';
import { decodeText, detectDelimiter, detectEncoding } from '../../shared/import-detect';

const cp1252 = (s: string) => Uint8Array.from(s, (c) => ({ é: 0xe9, '–': 0x96, '“': 0x93, '”': 0x94, '€': 0x80 })[c] ?? c.charCodeAt(0));

describe(detectEncoding.name, () => {
  it('tells UTF-8 (with or without BOM), UTF-16 (with or without BOM) and Windows-1252 apart', () => {
    const text = 'place,people\nBénin – Sabha,5\n';
    const utf8 = new TextEncoder().encode(text);
    expect(detectEncoding(utf8)).toBe('utf-8');
    expect(detectEncoding(Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8]))).toBe('utf-8');
    const le = Buffer.from(text, 'utf16le');
    expect(detectEncoding(Uint8Array.from([0xff, 0xfe, ...le]))).toBe('utf-16le');
    expect(detectEncoding(le)).toBe('utf-16le');
    const be = Buffer.from(le).swap16();
    expect(detectEncoding(be)).toBe('utf-16be');
    expect(detectEncoding(Uint8Array.from([0xfe, 0xff, ...be]))).toBe('utf-16be');
    expect(detectEncoding(cp1252(text))).toBe('windows-1252');
  });

  it('decodes Windows-1252 dashes, quotes and the euro as themselves, not as control characters', () => {
    expect(decodeText(cp1252('“Bénin” – 5 €'), 'windows-1252')).toBe('“Bénin” – 5 €');
    expect(decodeText(Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]), 'utf-8')).toBe('a');
  });
});

describe(detectDelimiter.name, () => {
  it('finds comma, semicolon and tab, ignoring delimiters inside quotes', () => {
    expect(detectDelimiter('a,b,c\n1,"x; y; z",3\n')).toBe('comma');
    expect(detectDelimiter('a;b;c\n1;"x, y, z";3\n2;"q";4\n')).toBe('semicolon');
    expect(detectDelimiter('a\tb\tc\n1\t2,5\t3\n')).toBe('tab');
    // A comma list in a quoted cell (Waymark's own convention) does not tip a comma file to ";".
    expect(detectDelimiter('id,needs\n1,"water, food"\n2,"food"\n')).toBe('comma');
    // A ';' file whose quoted cells would break a ',' parser.
    expect(detectDelimiter('a;b\n"he said ""hi""";2\n')).toBe('semicolon');
    expect(detectDelimiter('single\nvalue\n')).toBe('comma');
  });
});
