import { describe, expect, it } from 'vitest';
import {
  classifyCode,
  hashRecoveryCode,
  matchTotp,
  newRecoveryCodes,
  newTotpSecret,
  normalizeRecoveryCode,
  totpCode,
  totpStep,
  totpUri,
} from './totp.ts';

const T = Date.UTC(2026, 0, 1, 12, 0, 0); // on a step boundary

describe('TOTP', () => {
  const secret = newTotpSecret();

  it('makes 160-bit base32 secrets and an otpauth URI apps understand', () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(totpUri(secret, 'alice'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Deskport');
    expect(decodeURIComponent(uri.pathname)).toContain('Deskport:alice');
  });

  it('accepts the current code and one step either side, naming the step it belongs to', () => {
    const code = totpCode(secret, T);
    expect(matchTotp(secret, code, T)).toBe(totpStep(T));
    expect(matchTotp(secret, code, T + 30_000)).toBe(totpStep(T)); // the phone is a step behind
    expect(matchTotp(secret, code, T - 30_000)).toBe(totpStep(T)); // the phone is a step ahead
  });

  it('refuses a code two steps away, a wrong code and junk', () => {
    const code = totpCode(secret, T);
    expect(matchTotp(secret, code, T + 60_000)).toBeNull();
    expect(matchTotp(secret, code, T - 60_000)).toBeNull();
    expect(matchTotp(secret, code === '000000' ? '111111' : '000000', T)).toBeNull();
    for (const junk of ['', '12345', '1234567', 'abcdef', '12 34 5']) expect(matchTotp(secret, junk, T)).toBeNull();
    expect(matchTotp('not base32!', '123456', T)).toBeNull();
  });

  it('tolerates spaces inside a code (apps show "123 456")', () => {
    const code = totpCode(secret, T);
    expect(matchTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, T)).toBe(totpStep(T));
  });
});

describe('recovery codes', () => {
  it('are 10 distinct codes of the form xxxxx-xxxxx without look-alike characters', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}$/);
  });

  it('normalise case, spaces and dashes, so the same code always hashes the same', () => {
    const [c] = newRecoveryCodes(1);
    const n = normalizeRecoveryCode(c!)!;
    expect(normalizeRecoveryCode(` ${c!.toUpperCase().replace('-', ' ')} `)).toBe(n);
    expect(hashRecoveryCode(n)).toMatch(/^[0-9a-f]{64}$/);
    expect(normalizeRecoveryCode('too-short')).toBeNull();
  });

  it('are told apart from TOTP codes and junk', () => {
    expect(classifyCode(' 123456 ')).toEqual({ kind: 'totp', code: '123456' });
    expect(classifyCode('abcde-fghjk')).toEqual({ kind: 'recovery', normalized: 'abcdefghjk' });
    expect(classifyCode('nope')).toEqual({ kind: 'junk' });
  });
});
