import { describe, expect, it } from 'vitest';
import { readCookie } from '../../server/http/cookies';

describe(readCookie.name, () => {
  it('finds a cookie among others', () => {
    expect(readCookie('a=1; waymark_session=abc-_123; b=2', 'waymark_session')).toBe('abc-_123');
  });

  it('decodes percent-encoding and strips quotes', () => {
    expect(readCookie('x="a%20b"', 'x')).toBe('a b');
  });

  it('answers null when absent, malformed, or only a prefix matches', () => {
    expect(readCookie(undefined, 'x')).toBeNull();
    expect(readCookie('', 'x')).toBeNull();
    expect(readCookie('xx=1; x', 'x')).toBeNull();
    expect(readCookie('x=%E0%A4%A', 'x')).toBeNull();
  });
});
