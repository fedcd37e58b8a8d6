// TOTP (RFC 6238) the way authenticator apps do it: SHA-1, 6 digits, 30 s steps, ±1 step of clock
// drift. Pure functions over otplib; remembering which step was last used (the replay guard) is the
// store's job (advanceTotpStep), done atomically by the caller.
import { generateSecret, generateSync, generateURI, verifySync } from 'otplib';
import { randomInt } from 'node:crypto';
import { sha256 } from '../util/random.ts';

export const TOTP_PERIOD_S = 30;
/** Steps of drift accepted either side of now. */
export const TOTP_WINDOW = 1;
export const ISSUER = 'Deskport';
export const RECOVERY_CODE_COUNT = 10;

const CODE_RE = /^\d{6}$/;

/** 160 random bits in base32, what authenticator apps expect. */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function totpUri(secret: string, username: string): string {
  return generateURI({ issuer: ISSUER, label: username, secret, period: TOTP_PERIOD_S, digits: 6, algorithm: 'sha1' });
}

/** The time step a code belongs to, or null when it matches none within the window. */
export function matchTotp(secret: string, code: string, nowMs: number): number | null {
  const token = code.replace(/\s+/g, '');
  if (!CODE_RE.test(token)) return null;
  try {
    const r = verifySync({
      secret,
      token,
      epoch: Math.floor(nowMs / 1000),
      epochTolerance: TOTP_WINDOW * TOTP_PERIOD_S,
      period: TOTP_PERIOD_S,
    });
    return r.valid && 'timeStep' in r ? r.timeStep : null;
  } catch {
    return null; // a malformed stored secret must read as "wrong code", not crash sign-in
  }
}

/** The code for a time (tests, and nothing else, need to make codes). */
export function totpCode(secret: string, nowMs: number): string {
  return generateSync({ secret, epoch: Math.floor(nowMs / 1000), period: TOTP_PERIOD_S });
}

export const totpStep = (nowMs: number): number => Math.floor(nowMs / 1000 / TOTP_PERIOD_S);

// Recovery codes: 10 characters (shown as xxxxx-xxxxx) of a 31-letter alphabet without look-alikes
// carry ~49 bits each: plenty against an online guesser who is throttled, short enough to type.
// High entropy is why a plain sha256 (not argon2) is enough to store them.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no i, l, o, 0, 1
const RECOVERY_RE = /^[a-z0-9]{10}$/;

export function newRecoveryCodes(n = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: n }, () => {
    const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** Lowercased, without spaces and dashes; null when it cannot be a recovery code at all. */
export function normalizeRecoveryCode(input: string): string | null {
  const s = input.toLowerCase().replace(/[\s-]+/g, '');
  return RECOVERY_RE.test(s) ? s : null;
}

export const hashRecoveryCode = (normalized: string): string => sha256(`deskport-recovery:${normalized}`);

/** What a person typed in the code box: a 6-digit TOTP code, a recovery code, or neither. */
export function classifyCode(input: string): { kind: 'totp'; code: string } | { kind: 'recovery'; normalized: string } | { kind: 'junk' } {
  const trimmed = input.replace(/\s+/g, '');
  if (CODE_RE.test(trimmed)) return { kind: 'totp', code: trimmed };
  const rc = normalizeRecoveryCode(input);
  return rc ? { kind: 'recovery', normalized: rc } : { kind: 'junk' };
}
