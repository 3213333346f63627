import { describe, expect, it } from 'vitest';
import { originAllowed } from '../../server/socket/socket-server';

describe(originAllowed.name, () => {
  it('allows clients that are not browsers (no Origin header)', () => {
    expect(originAllowed({ host: 'waymark.example.org' }, [])).toBe(true);
  });

  it('allows the page the server itself served, directly or behind a proxy', () => {
    expect(originAllowed({ origin: 'https://waymark.example.org', host: 'waymark.example.org' }, [])).toBe(true);
    expect(originAllowed({ origin: 'https://waymark.example.org', host: 'localhost:8080', 'x-forwarded-host': 'waymark.example.org' }, [])).toBe(true);
  });

  it('allows an origin the deployment listed', () => {
    expect(originAllowed({ origin: 'http://localhost:5173', host: 'localhost:8080' }, ['http://localhost:5173'])).toBe(true);
  });

  it('refuses another site, a look-alike host, and a malformed origin', () => {
    expect(originAllowed({ origin: 'https://evil.example', host: 'waymark.example.org' }, [])).toBe(false);
    expect(originAllowed({ origin: 'https://waymark.example.org.evil.example', host: 'waymark.example.org' }, [])).toBe(false);
    expect(originAllowed({ origin: 'null', host: 'waymark.example.org' }, [])).toBe(false);
    expect(originAllowed({ origin: 'https://evil.example', host: 'localhost:8080' }, ['https://waymark.example.org'])).toBe(false);
  });
});
