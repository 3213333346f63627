import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT_PARAMS, hashParams, hashPassword, verifyPassword } from '../../server/services/password';

// Small parameters keep this file fast; the defaults are exercised once below.
const FAST = { N: 1024, r: 8, p: 1 };

describe(hashPassword.name, () => {
  it('stores the algorithm, its parameters, the salt and the key beside each other', async () => {
    const stored = await hashPassword('correct horse battery staple', FAST);

    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    expect(hashParams(stored)).toEqual(FAST);
    expect(stored).not.toContain('correct horse');
  });

  it('salts: two hashes of the same password differ', async () => {
    const [a, b] = await Promise.all([hashPassword('same password', FAST), hashPassword('same password', FAST)]);

    expect(a).not.toBe(b);
  });

  it('uses the default parameters when none are given', async () => {
    const stored = await hashPassword('default params');

    expect(hashParams(stored)).toEqual(DEFAULT_SCRYPT_PARAMS);
    expect(await verifyPassword('default params', stored)).toBe(true);
  });
});

describe(verifyPassword.name, () => {
  it('accepts the right password', async () => {
    const stored = await hashPassword('open sesame 123', FAST);

    expect(await verifyPassword('open sesame 123', stored)).toBe(true);
  });

  it('refuses a wrong password, an empty one and one differing only in case', async () => {
    const stored = await hashPassword('open sesame 123', FAST);

    expect(await verifyPassword('open sesame 124', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
    expect(await verifyPassword('OPEN SESAME 123', stored)).toBe(false);
  });

  it('honours the parameters stored with the hash, whatever they are', async () => {
    const other = { N: 2048, r: 4, p: 2 };
    const stored = await hashPassword('params travel with the hash', other);

    expect(hashParams(stored)).toEqual(other);
    expect(await verifyPassword('params travel with the hash', stored)).toBe(true);
    // Changing a stored parameter changes the derived key: the parameters really are used.
    const tampered = stored.replace('scrypt$2048$4$2$', 'scrypt$1024$4$2$');
    expect(await verifyPassword('params travel with the hash', tampered)).toBe(false);
  });

  it('refuses anything that is not a hash it wrote, without throwing', async () => {
    for (const stored of [
      '',
      'plain-text',
      'scrypt$x$8$1$c2FsdA==$a2V5',
      'bcrypt$10$abc',
      'scrypt$1024$8$1$$',
      'scrypt$0$8$1$c2FsdA==$a2V5',
      'scrypt$1000$8$1$c2FsdA==$a2V5',
    ]) {
      expect(await verifyPassword('anything', stored), stored).toBe(false);
    }
  });

  it('normalises Unicode so the same passphrase typed on two keyboards matches', async () => {
    const composed = 'café-passphrase';
    const decomposed = 'cafe\u0301-passphrase';
    const stored = await hashPassword(composed, FAST);

    expect(await verifyPassword(decomposed, stored)).toBe(true);
  });
});
