// The token in /ws/rdp?token=…: guacamole-lite's format (AES-256-CBC, JSON {iv, value}, base64).
// That cipher has no MAC and no expiry, so the token carries ONLY the one-time display ticket,
// which is itself short-lived, bound to user, session and mode, and consumed atomically; protocol,
// target and credentials are resolved on the server when the connection opens. The key is derived
// from the vault key, which every gateway on one store shares, so a token minted on one gateway
// opens on any (docs/store.md, "Between gateways").
import { hkdfSync, randomBytes } from 'node:crypto';
import Crypt from 'guacamole-lite/lib/Crypt.js';

/** Longer than any token we mint (about 150 characters); junk is not decrypted at all. */
const MAX_TOKEN_CHARS = 512;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface GuacTokens {
  /** The token naming `ticket`. */
  mint(ticket: string): string;
  /** The ticket a token names, or null for anything this process did not mint. */
  ticketOf(token: string): string | null;
}

/** The token key of every gateway holding this vault key (a key of its own: HKDF-SHA-256, not the vault key itself). */
export function guacTokenKey(vaultKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', vaultKey, Buffer.alloc(0), 'deskport /ws/rdp display token', 32));
}

export function createGuacTokens(key: Buffer = randomBytes(32)): GuacTokens {
  const crypt = new Crypt('AES-256-CBC', key);
  return {
    mint: (ticket) => crypt.encrypt({ ticket }),
    ticketOf(token) {
      if (token.length > MAX_TOKEN_CHARS || !BASE64.test(token)) return null;
      try {
        const v = crypt.decrypt(token) as { ticket?: unknown } | null;
        return typeof v?.ticket === 'string' ? v.ticket : null;
      } catch {
        return null;
      }
    },
  };
}
