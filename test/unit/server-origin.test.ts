import { describe, expect, it } from 'vitest';
import type http from 'node:http';
import { originVerdict, ownOrigins, type OriginPolicy } from '../../server/http/origin';

const DIRECT: OriginPolicy = { allowedOrigins: [], trustProxy: false };
const PROXIED: OriginPolicy = { allowedOrigins: [], trustProxy: true };
const plain = (headers: http.IncomingHttpHeaders) => ({ headers, encrypted: false });

describe(originVerdict.name, () => {
  it('says nothing of clients that are not browsers (no Origin, no Sec-Fetch-Site)', () => {
    expect(originVerdict(plain({ host: 'waymark.example.org' }), DIRECT)).toBe('absent');
  });

  it('knows the page the server itself served, directly or behind a trusted proxy', () => {
    expect(originVerdict(plain({ origin: 'http://waymark.example.org:8080', host: 'waymark.example.org:8080' }), DIRECT)).toBe('own');
    // Without a trusted proxy the scheme is unknown: a TLS proxy that keeps Host is taken.
    expect(originVerdict(plain({ origin: 'https://waymark.example.org', host: 'waymark.example.org' }), DIRECT)).toBe('own');
    const forwarded = {
      origin: 'https://waymark.example.org',
      host: 'localhost:8080',
      'x-forwarded-host': 'waymark.example.org',
      'x-forwarded-proto': 'https',
    };
    expect(originVerdict(plain(forwarded), PROXIED)).toBe('own');
    expect(originVerdict(plain({ ...forwarded, origin: 'http://waymark.example.org' }), PROXIED)).toBe('foreign');
  });

  it('believes no forwarded header without WAYMARK_TRUST_PROXY', () => {
    const forwarded = {
      origin: 'https://waymark.example.org',
      host: 'localhost:8080',
      'x-forwarded-host': 'waymark.example.org',
      'x-forwarded-proto': 'https',
    };
    expect(originVerdict(plain(forwarded), DIRECT)).toBe('foreign');
    expect(
      originVerdict(plain({ origin: 'https://waymark.example.org', host: 'localhost:8080', forwarded: 'host=waymark.example.org;proto=https' }), DIRECT),
    ).toBe('foreign');
    expect(ownOrigins(plain(forwarded), false)).toEqual(['http://localhost:8080', 'https://localhost:8080']);
  });

  it('allows an origin the deployment listed', () => {
    expect(originVerdict(plain({ origin: 'http://localhost:5173', host: 'localhost:8080' }), { ...DIRECT, allowedOrigins: ['http://localhost:5173'] })).toBe(
      'own',
    );
    expect(
      originVerdict(plain({ origin: 'http://localhost:5173', host: 'localhost:8080', 'sec-fetch-site': 'same-site' }), {
        ...DIRECT,
        allowedOrigins: ['http://localhost:5173'],
      }),
    ).toBe('own');
  });

  it("takes the browser's Sec-Fetch-Site over Origin", () => {
    expect(originVerdict(plain({ host: 'localhost:8080', 'sec-fetch-site': 'same-origin' }), DIRECT)).toBe('own');
    expect(originVerdict(plain({ origin: 'https://public.example', host: 'localhost:8080', 'sec-fetch-site': 'same-origin' }), DIRECT)).toBe('own');
    expect(originVerdict(plain({ origin: 'http://localhost:8080', host: 'localhost:8080', 'sec-fetch-site': 'same-site' }), DIRECT)).toBe('foreign');
    expect(originVerdict(plain({ host: 'localhost:8080', 'sec-fetch-site': 'cross-site' }), DIRECT)).toBe('foreign');
  });

  it('refuses another site, another port of the same host, a look-alike host, and a malformed origin', () => {
    expect(originVerdict(plain({ origin: 'https://evil.example', host: 'waymark.example.org' }), DIRECT)).toBe('foreign');
    expect(originVerdict(plain({ origin: 'http://127.0.0.1:8081', host: '127.0.0.1:8080' }), DIRECT)).toBe('foreign');
    expect(originVerdict(plain({ origin: 'https://waymark.example.org.evil.example', host: 'waymark.example.org' }), DIRECT)).toBe('foreign');
    expect(originVerdict(plain({ origin: 'null', host: 'waymark.example.org' }), DIRECT)).toBe('foreign');
    expect(originVerdict(plain({ origin: 'not a url', host: 'waymark.example.org' }), DIRECT)).toBe('foreign');
    expect(
      originVerdict(plain({ origin: 'https://evil.example', host: 'localhost:8080' }), { ...DIRECT, allowedOrigins: ['https://waymark.example.org'] }),
    ).toBe('foreign');
  });
});
