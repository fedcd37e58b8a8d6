// Random identifiers and secrets, and the one hash used to store secrets (tickets, tokens, keys).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits, base64url (43 chars). */
export const secretToken = (prefix = ''): string => prefix + randomBytes(32).toString('base64url');
/** Short unique id for entities, url-safe and lowercase (desktop ids double as directory names). */
export const newId = (prefix: string): string => `${prefix}-${randomBytes(9).toString('hex')}`;
export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(sha256(a));
  const y = Buffer.from(sha256(b));
  return timingSafeEqual(x, y);
}
/** A VNC password: VncAuth uses 8 bytes, so 8 printable random chars is all it can carry. */
export const vncSecret = (): string => randomBytes(6).toString('base64url');

/** Shape check before any store lookup, so junk never costs a query. */
export const SECRET_RE = /^[A-Za-z0-9_-]{43}$/;
