// Store contract, kept sign-in passwords (passthrough machines): one per web session, kept verbatim
// (sealed), replaced on a second put, gone with the web session however it ends (sign-out,
// revocation, expiry sweep, all of a user's) and with the user; tickets name their web session and
// die with it.
import { describe, expect, it } from 'vitest';
import { isStoreConflict } from './errors.ts';
import type { SignInSecret } from './sign-in-secret-types.ts';
import type { CurrentStore } from './store.contract.ts';
import { aPool, aSession, aTicket, aUser, T0, uid } from './store.fixtures.ts';
import type { WebSession } from './types.ts';

const aWebSession = (userId: string, o: Partial<WebSession> = {}): WebSession => {
  const hash = uid('wsh');
  return { hash, id: `${hash}-id`, userId, createdAt: T0, expiresAt: T0 + 1000, lastSeenAt: T0, ...o };
};
const aSecret = (w: WebSession, o: Partial<SignInSecret> = {}): SignInSecret => ({
  webSessionId: w.id,
  userId: w.userId,
  providerId: 'corp-ldap',
  username: 'alice',
  passwordSealed: 'v1:0000000000000000:sealed',
  createdAt: T0,
  ...o,
});

export function signInSecretsContract(current: CurrentStore): void {
  describe('kept sign-in passwords', () => {
    async function signedIn(o: Partial<WebSession> = {}) {
      const s = current();
      const user = await s.createUser(aUser());
      const web = aWebSession(user.id, o);
      await s.createWebSession(web);
      return { s, user, web };
    }

    it('keeps one per web session verbatim and replaces it on a second put', async () => {
      const { s, web } = await signedIn();
      await s.putSignInSecret(aSecret(web));
      expect(await s.getSignInSecret(web.id)).toEqual(aSecret(web));
      await s.putSignInSecret(aSecret(web, { passwordSealed: 'v1:0000000000000000:newer', createdAt: T0 + 5 }));
      expect(await s.getSignInSecret(web.id)).toEqual(aSecret(web, { passwordSealed: 'v1:0000000000000000:newer', createdAt: T0 + 5 }));
      expect(await s.getSignInSecret('unknown')).toBeNull();
    });

    it('refuses one for a web session that does not exist', async () => {
      const { s, user } = await signedIn();
      const err = await s
        .putSignInSecret(aSecret(aWebSession(user.id)))
        .then(() => null)
        .catch((e: unknown) => e);
      expect(isStoreConflict(err, 'missing_reference')).toBe(true);
    });

    it('is deleted with its web session: sign-out, revocation by id, all of a user’s, the expiry sweep', async () => {
      const { s, user, web } = await signedIn();
      const [other, third, old] = [aWebSession(user.id), aWebSession(user.id), aWebSession(user.id, { expiresAt: T0 + 1 })];
      for (const w of [other, third, old]) await s.createWebSession(w);
      for (const w of [web, other, third, old]) await s.putSignInSecret(aSecret(w));
      await s.deleteWebSession(web.hash);
      expect(await s.getSignInSecret(web.id)).toBeNull();
      await s.deleteWebSessionById(user.id, other.id);
      expect(await s.getSignInSecret(other.id)).toBeNull();
      await s.deleteExpiredWebSessions(T0 + 1);
      expect(await s.getSignInSecret(old.id)).toBeNull();
      expect(await s.getSignInSecret(third.id)).not.toBeNull();
      await s.deleteWebSessionsOfUser(user.id);
      expect(await s.getSignInSecret(third.id)).toBeNull();
    });

    it('is deleted with its user, and on its own', async () => {
      const { s, user, web } = await signedIn();
      await s.putSignInSecret(aSecret(web));
      expect(await s.deleteSignInSecret(web.id)).toBe(true);
      expect(await s.deleteSignInSecret(web.id)).toBe(false);
      await s.putSignInSecret(aSecret(web));
      await s.deleteUser(user.id);
      expect(await s.getSignInSecret(web.id)).toBeNull();
    });

    it('lists a user’s other web sessions’ passwords', async () => {
      const { s, user, web } = await signedIn();
      const other = aWebSession(user.id);
      await s.createWebSession(other);
      await s.putSignInSecret(aSecret(web));
      await s.putSignInSecret(aSecret(other));
      expect((await s.listSignInSecretsOfUser(user.id, web.id)).map((x) => x.webSessionId)).toEqual([other.id]);
      expect((await s.listSignInSecretsOfUser(user.id)).map((x) => x.webSessionId).sort()).toEqual([web.id, other.id].sort());
    });

    it('re-seals kept passwords in a key rotation with their web session’s associated data', async () => {
      const { s, web } = await signedIn();
      await s.putSignInSecret(aSecret(web));
      const seen: string[] = [];
      expect(await s.rewriteSecrets((v, aad) => (seen.push(aad), `${v}+`))).toBe(1);
      expect(seen).toEqual([`websession:${web.id}:password`]);
      expect((await s.getSignInSecret(web.id))?.passwordSealed).toBe('v1:0000000000000000:sealed+');
    });

    it('keeps the web session a ticket came from, and deletes the ticket with it', async () => {
      const { s, user, web } = await signedIn();
      const pool = await s.createPool(aPool());
      const session = await s.createSession(aSession(user.id, pool.id));
      const t = aTicket(user.id, session.id, { webSessionId: web.id });
      const plain = aTicket(user.id, session.id);
      await s.createTicket(t);
      await s.createTicket(plain);
      expect(await s.consumeTicket(t.hash, T0 + 1)).toEqual({ ...t, usedAt: T0 + 1 });
      const again = aTicket(user.id, session.id, { webSessionId: web.id });
      await s.createTicket(again);
      await s.deleteWebSession(web.hash);
      expect(await s.consumeTicket(again.hash, T0 + 1)).toBeNull();
      expect(await s.consumeTicket(plain.hash, T0 + 1)).toEqual({ ...plain, usedAt: T0 + 1 });
    });
  });
}
