import { describe, expect, it } from 'vitest';
import { generatePassword, hashPassword, verifyPassword } from './passwords.ts';

describe('passwords', () => {
  it('hashes with argon2id and a per-hash salt', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a.startsWith('$argon2id$')).toBe(true);
    expect(a).not.toBe(b);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const h = await hashPassword('correct horse');
    expect(await verifyPassword(h, 'correct horse')).toBe(true);
    expect(await verifyPassword(h, 'correct horsE')).toBe(false);
  });

  it('refuses when there is no usable hash, yet still spends an argon2 verify', async () => {
    const h = await hashPassword('correct horse');
    const time = async (f: () => Promise<unknown>) => {
      const t = performance.now();
      await f();
      return performance.now() - t;
    };
    await verifyPassword(null, 'warm-up'); // builds the dummy hash once
    expect(await verifyPassword(null, 'x')).toBe(false);
    expect(await verifyPassword('not-a-hash', 'x')).toBe(false);
    expect(await verifyPassword('$argon2id$garbage', 'x')).toBe(false);
    const real = await time(() => verifyPassword(h, 'wrong password'));
    const none = await time(() => verifyPassword(undefined, 'wrong password'));
    // Same parameters, so same order of cost; a skipped verify would be ~100x faster.
    expect(none).toBeGreaterThan(real / 5);
  });

  it('generates 20-character passwords without look-alike characters', () => {
    const p = generatePassword();
    expect(p).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{20}$/);
    expect(generatePassword()).not.toBe(p);
  });
});
