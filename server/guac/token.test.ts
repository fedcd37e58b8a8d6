// The /ws/rdp token: it names only the ticket, opens on every gateway holding the same vault key,
// and on no other.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createGuacTokens, guacTokenKey } from './token.ts';

describe('/ws/rdp display tokens', () => {
  const ticket = 'dpt_' + 'a'.repeat(43);

  it('minted on one gateway, opens on another with the same vault key', () => {
    const vaultKey = randomBytes(32);
    const one = createGuacTokens(guacTokenKey(vaultKey));
    const two = createGuacTokens(guacTokenKey(Buffer.from(vaultKey)));
    expect(two.ticketOf(one.mint(ticket))).toBe(ticket);
  });

  it('does not open with another vault key, and the key is not the vault key itself', () => {
    const vaultKey = randomBytes(32);
    const token = createGuacTokens(guacTokenKey(vaultKey)).mint(ticket);
    expect(createGuacTokens(guacTokenKey(randomBytes(32))).ticketOf(token)).toBeNull();
    expect(createGuacTokens(vaultKey).ticketOf(token)).toBeNull();
    expect(guacTokenKey(vaultKey).equals(vaultKey)).toBe(false);
  });

  it('refuses junk without decrypting it', () => {
    const t = createGuacTokens(guacTokenKey(randomBytes(32)));
    for (const junk of ['', 'not base64!', 'A'.repeat(600), Buffer.from('{"iv":"x","value":"y"}').toString('base64')])
      expect(t.ticketOf(junk)).toBeNull();
  });
});
