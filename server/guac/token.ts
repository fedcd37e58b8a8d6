// The token in /ws/rdp?token=…: guacamole-lite's format (AES-256-CBC, JSON {iv, value}, base64).
// That cipher has no MAC and no expiry, so the token carries ONLY the one-time display ticket,
// which is itself short-lived, bound to user, session and mode, and consumed atomically; protocol,
// target and credentials are resolved on the server when the connection opens. The key is random
// per gateway process: several gateways behind one name will need a shared key (issue 15).
import { randomBytes } from 'node:crypto';
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
