// Random bearer secrets (cookies, API tokens) and the one-way hash they are stored under. Only the
// sha256 reaches the store, so a leaked database cannot be replayed as live credentials.
import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits, base64url (43 characters). */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/** Shape check before any store lookup, so junk never costs a query. */
export const SECRET_RE = /^[A-Za-z0-9_-]{43}$/;
