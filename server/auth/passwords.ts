// Password hashing with argon2id, and a verify that costs the same whether or not the account
// exists, so response timing cannot tell an attacker which usernames are real.
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { randomBytes, randomInt } from 'node:crypto';

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane). Algorithm is a const enum that does not
// exist at runtime under tsx, hence the literal (2 = Argon2id).
const OPTIONS = { algorithm: 2 as Algorithm, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export async function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

// Hash of a random password nobody knows, made lazily once with the same parameters as real ones.
let dummy: Promise<string> | null = null;
function dummyHash(): Promise<string> {
  dummy ??= hash(randomBytes(32).toString('hex'), OPTIONS);
  return dummy;
}

/**
 * True when `password` matches `stored`. With no usable hash (unknown user, identity-provider
 * account, corrupt value) it still runs one argon2 verify against a dummy hash and returns false.
 */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (stored && stored.startsWith('$argon2')) {
    try {
      return await verify(stored, password);
    } catch {
      // A malformed stored hash: fall through to the dummy so the timing stays uniform.
    }
  }
  await verify(await dummyHash(), password).catch(() => false);
  return false;
}

const ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O, 1/l/I

/** A random password for bootstrap: 20 characters ≈ 116 bits. */
export function generatePassword(length = 20): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}
