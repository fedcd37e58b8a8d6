// Store contract, accounts: users, groups (and the cleanup deleteGroup owes), web sessions and
// API tokens. Run through runStoreContract, never on its own.
import { describe, expect, it } from 'vitest';
import { isStoreConflict } from './errors.ts';
import type { CurrentStore } from './store.contract.ts';
import { aPool, aSession, aTicket, aUser, T0, uid } from './store.fixtures.ts';
import type { User } from './types.ts';
import { mfaContract } from './store.contract-mfa.ts';

export function accountsContract(store: CurrentStore): void {
  describe('users', () => {
    it('round-trips every field', async () => {
      const u = aUser({ roles: ['user', 'admin'], groups: ['g1', 'g2'], disabled: true, passwordHash: null });
      expect(await store().createUser(u)).toEqual(u);
      expect(await store().getUser(u.id)).toEqual(u);
    });

    it('fills createdAt when the caller leaves it out', async () => {
      const { createdAt: _, ...rest } = aUser();
      const created = await store().createUser(rest);
      expect(created.createdAt).toBeTypeOf('number');
      expect((await store().getUser(rest.id))?.createdAt).toBe(created.createdAt);
    });

    it('finds a username whatever its case, and keeps the case it was created with', async () => {
      const u = await store().createUser(aUser({ username: 'Grace.Hopper' }));
      expect(await store().getUserByName('grace.hopper')).toEqual(u);
      expect(await store().getUserByName('GRACE.HOPPER')).toEqual(u);
      expect((await store().getUserByName('grace.hopper'))?.username).toBe('Grace.Hopper');
      expect(await store().getUserByName('grace')).toBeNull();
    });

    it('refuses a username that differs from a taken one only in case', async () => {
      await store().createUser(aUser({ username: 'alan' }));
      const err = await store()
        .createUser(aUser({ username: 'ALAN' }))
        .catch((e: unknown) => e);
      expect(isStoreConflict(err, 'duplicate')).toBe(true);
      expect(await store().countUsers()).toBe(1);
    });

    it('refuses a second user with the same id', async () => {
      const u = await store().createUser(aUser());
      const err = await store()
        .createUser(aUser({ id: u.id }))
        .catch((e: unknown) => e);
      expect(isStoreConflict(err, 'duplicate')).toBe(true);
    });

    it('lists users by username and counts them', async () => {
      for (const username of ['carol', 'alice', 'bob']) await store().createUser(aUser({ username }));
      expect((await store().listUsers()).map((u) => u.username)).toEqual(['alice', 'bob', 'carol']);
      expect(await store().countUsers()).toBe(3);
    });

    it('updates only the fields in the patch, ignoring undefined ones', async () => {
      const u = await store().createUser(aUser({ displayName: 'Old', groups: ['g1'] }));
      const updated = await store().updateUser(u.id, { displayName: 'New', disabled: true, roles: undefined });
      const expected: User = { ...u, displayName: 'New', disabled: true };
      expect(updated).toEqual(expected);
      expect(await store().getUser(u.id)).toEqual(expected);
      expect(await store().updateUser(u.id, { passwordHash: null })).toEqual({ ...expected, passwordHash: null });
    });

    it('never changes id or createdAt through an update', async () => {
      const u = await store().createUser(aUser());
      const sneaky = { id: 'other', createdAt: 1, displayName: 'X' } as unknown as Partial<User>;
      expect(await store().updateUser(u.id, sneaky)).toEqual({ ...u, displayName: 'X' });
      expect(await store().getUser('other')).toBeNull();
    });

    it('refuses to rename a user to a taken username', async () => {
      await store().createUser(aUser({ username: 'taken' }));
      const u = await store().createUser(aUser());
      const err = await store()
        .updateUser(u.id, { username: 'Taken' })
        .catch((e: unknown) => e);
      expect(isStoreConflict(err, 'duplicate')).toBe(true);
      expect(await store().getUser(u.id)).toEqual(u);
    });

    it('returns null when updating an unknown user', async () => {
      expect(await store().updateUser('nope', { displayName: 'X' })).toBeNull();
    });

    it('deletes a user together with their credentials, keeping session history', async () => {
      const u = await store().createUser(aUser());
      const pool = await store().createPool(aPool());
      const session = await store().createSession(aSession(u.id, pool.id, { state: 'ended', endedAt: T0 }));
      const ticket = aTicket(u.id, session.id);
      await store().createTicket(ticket);
      await store().createWebSession({ hash: 'ws1', id: 'ws1-id', userId: u.id, createdAt: T0, expiresAt: T0 + 1000, lastSeenAt: T0 });
      await store().createApiToken({
        id: uid('tok'),
        userId: u.id,
        name: 'ci',
        hash: 'th1',
        createdAt: T0,
        expiresAt: null,
        lastUsedAt: null,
      });

      expect(await store().deleteUser(u.id)).toBe(true);
      expect(await store().getUser(u.id)).toBeNull();
      expect(await store().getWebSession('ws1')).toBeNull();
      expect(await store().getApiTokenByHash('th1')).toBeNull();
      expect(await store().consumeTicket(ticket.hash, T0)).toBeNull();
      expect(await store().getSession(session.id)).toEqual(session);
      expect(await store().deleteUser(u.id)).toBe(false);
    });
  });

  describe('groups', () => {
    it('round-trips, finds by name whatever its case, and lists by name', async () => {
      const b = await store().createGroup({ id: uid('g'), name: 'Engineering', description: 'builders' });
      const a = await store().createGroup({ id: uid('g'), name: 'Accounting', description: '' });
      expect(await store().getGroup(b.id)).toEqual(b);
      expect(await store().getGroupByName('engineering')).toEqual(b);
      expect(await store().getGroupByName('nobody')).toBeNull();
      expect(await store().listGroups()).toEqual([a, b]);
    });

    it('refuses a duplicate group name', async () => {
      await store().createGroup({ id: uid('g'), name: 'Ops', description: '' });
      const err = await store()
        .createGroup({ id: uid('g'), name: 'ops', description: '' })
        .catch((e: unknown) => e);
      expect(isStoreConflict(err, 'duplicate')).toBe(true);
    });

    it('removes a deleted group from every user and pool, keeping their other groups', async () => {
      const g = await store().createGroup({ id: uid('g'), name: 'Doomed', description: '' });
      const keep = await store().createGroup({ id: uid('g'), name: 'Kept', description: '' });
      const u1 = await store().createUser(aUser({ groups: [keep.id, g.id] }));
      const u2 = await store().createUser(aUser({ groups: [g.id] }));
      const u3 = await store().createUser(aUser({ groups: [keep.id] }));
      const pool = await store().createPool(aPool({ groups: [g.id, keep.id] }));

      expect(await store().deleteGroup(g.id)).toBe(true);
      expect(await store().getGroup(g.id)).toBeNull();
      expect((await store().getUser(u1.id))?.groups).toEqual([keep.id]);
      expect((await store().getUser(u2.id))?.groups).toEqual([]);
      expect((await store().getUser(u3.id))?.groups).toEqual([keep.id]);
      expect((await store().getPool(pool.id))?.groups).toEqual([keep.id]);
      expect(await store().deleteGroup(g.id)).toBe(false);
    });

    it("refuses to delete a pool's only entitled group, which would open the pool to everyone", async () => {
      const g = await store().createGroup({ id: uid('g'), name: 'Finance', description: '' });
      const u = await store().createUser(aUser({ groups: [g.id] }));
      const pool = await store().createPool(aPool({ name: 'Ledger', groups: [g.id] }));
      const err = await store()
        .deleteGroup(g.id)
        .catch((e: unknown) => e);
      expect(isStoreConflict(err, 'in_use')).toBe(true);
      expect((err as Error).message).toContain('Ledger');
      expect(await store().getGroup(g.id)).not.toBeNull();
      expect((await store().getUser(u.id))?.groups).toEqual([g.id]);
      expect((await store().getPool(pool.id))?.groups).toEqual([g.id]);
    });

    it('deleting two groups of the same pools at once never leaves a pool entitled to no group (everyone)', async () => {
      const g = await store().createGroup({ id: uid('g'), name: 'Left', description: '' });
      const h = await store().createGroup({ id: uid('g'), name: 'Right', description: '' });
      const pools = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store().createPool(aPool({ name: `Shared ${i}`, groups: [g.id, h.id] }))),
      );
      const results = await Promise.allSettled([store().deleteGroup(g.id), store().deleteGroup(h.id)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1); // the other is refused: in use
      for (const p of pools) expect((await store().getPool(p.id))?.groups).toHaveLength(1);
    });
  });

  describe('web sessions and API tokens', () => {
    it('creates, touches and deletes web sessions', async () => {
      const u = await store().createUser(aUser());
      const s = {
        hash: uid('ws'),
        id: uid('wsid'),
        userId: u.id,
        createdAt: T0,
        expiresAt: T0 + 1000,
        lastSeenAt: T0,
        ip: '192.0.2.7',
        userAgent: 'Firefox',
      };
      await store().createWebSession(s);
      expect(await store().getWebSession(s.hash)).toEqual(s);
      await store().touchWebSession(s.hash, T0 + 500, T0 + 5000);
      expect(await store().getWebSession(s.hash)).toEqual({ ...s, lastSeenAt: T0 + 500, expiresAt: T0 + 5000 });
      await store().deleteWebSession(s.hash);
      expect(await store().getWebSession(s.hash)).toBeNull();
      expect(await store().getWebSession('unknown')).toBeNull();
    });

    it("deletes all of one user's web sessions, and expired ones by count", async () => {
      const a = await store().createUser(aUser());
      const b = await store().createUser(aUser());
      const ws = (hash: string, userId: string, expiresAt: number) => ({
        hash,
        id: `${hash}-id`,
        userId,
        createdAt: T0,
        expiresAt,
        lastSeenAt: T0,
      });
      await store().createWebSession(ws('a1', a.id, T0 + 10));
      await store().createWebSession(ws('a2', a.id, T0 + 10));
      await store().createWebSession(ws('b1', b.id, T0 + 10));
      await store().createWebSession(ws('b2', b.id, T0 + 99));
      await store().deleteWebSessionsOfUser(a.id);
      expect(await store().getWebSession('a1')).toBeNull();
      expect(await store().getWebSession('a2')).toBeNull();
      expect(await store().deleteExpiredWebSessions(T0 + 10)).toBe(1);
      expect(await store().getWebSession('b1')).toBeNull();
      expect(await store().getWebSession('b2')).not.toBeNull();
    });

    it('refuses a web session for a user that does not exist', async () => {
      const s = { hash: uid('ws'), id: uid('wsid'), userId: 'ghost', createdAt: T0, expiresAt: T0 + 1000, lastSeenAt: T0 };
      expect(
        isStoreConflict(
          await store()
            .createWebSession(s)
            .catch((e: unknown) => e),
          'missing_reference',
        ),
      ).toBe(true);
    });

    it('finds API tokens by hash, records their use, and refuses a duplicate hash', async () => {
      const u = await store().createUser(aUser());
      const t = { id: uid('tok'), userId: u.id, name: 'deploy', hash: uid('th'), createdAt: T0, expiresAt: T0 + 9, lastUsedAt: null };
      await store().createApiToken(t);
      expect(await store().getApiTokenByHash(t.hash)).toEqual(t);
      await store().touchApiToken(t.id, T0 + 5);
      expect(await store().getApiTokenByHash(t.hash)).toEqual({ ...t, lastUsedAt: T0 + 5 });
      expect(await store().getApiTokenByHash('unknown')).toBeNull();
      const dup = await store()
        .createApiToken({ ...t, id: uid('tok') })
        .catch((e: unknown) => e);
      expect(isStoreConflict(dup, 'duplicate')).toBe(true);
    });

    it("lists a user's web sessions by last use, with address and user agent, and deletes one by its public id", async () => {
      const a = await store().createUser(aUser());
      const b = await store().createUser(aUser());
      const ws = (hash: string, userId: string, lastSeenAt: number) => ({
        hash,
        id: `${hash}-id`,
        userId,
        createdAt: T0,
        expiresAt: T0 + 1e6,
        lastSeenAt,
        ip: '198.51.100.1',
        userAgent: 'UA',
      });
      await store().createWebSession(ws('old', a.id, T0));
      await store().createWebSession(ws('new', a.id, T0 + 5));
      await store().createWebSession(ws('bs', b.id, T0));
      expect((await store().listWebSessionsOfUser(a.id)).map((s) => s.id)).toEqual(['new-id', 'old-id']);
      expect((await store().listWebSessionsOfUser(a.id))[0]).toEqual(ws('new', a.id, T0 + 5));
      expect(await store().deleteWebSessionById(a.id, 'bs-id')).toBe(false); // not a's
      expect(await store().getWebSession('bs')).not.toBeNull();
      expect(await store().deleteWebSessionById(a.id, 'old-id')).toBe(true);
      expect(await store().deleteWebSessionById(a.id, 'old-id')).toBe(false);
      expect((await store().listWebSessionsOfUser(a.id)).map((s) => s.id)).toEqual(['new-id']);
    });

    it('deletes every web session of a user but one, and says how many', async () => {
      const a = await store().createUser(aUser());
      for (const h of ['k1', 'k2', 'k3'])
        await store().createWebSession({ hash: h, id: `${h}-id`, userId: a.id, createdAt: T0, expiresAt: T0 + 9, lastSeenAt: T0 });
      expect(await store().deleteWebSessionsOfUser(a.id, 'k2')).toBe(2);
      expect((await store().listWebSessionsOfUser(a.id)).map((s) => s.hash)).toEqual(['k2']);
      expect(await store().deleteWebSessionsOfUser(a.id)).toBe(1);
    });

    it('refuses a second web session with the same public id', async () => {
      const a = await store().createUser(aUser());
      await store().createWebSession({ hash: 'h1', id: 'same', userId: a.id, createdAt: T0, expiresAt: T0 + 9, lastSeenAt: T0 });
      const dup = await store()
        .createWebSession({ hash: 'h2', id: 'same', userId: a.id, createdAt: T0, expiresAt: T0 + 9, lastSeenAt: T0 })
        .catch((e: unknown) => e);
      expect(isStoreConflict(dup, 'duplicate')).toBe(true);
    });

    it("lists a user's API tokens newest first and deletes only their own", async () => {
      const a = await store().createUser(aUser());
      const b = await store().createUser(aUser());
      const tok = (id: string, userId: string, createdAt: number) => ({
        id,
        userId,
        name: id,
        hash: `h-${id}`,
        createdAt,
        expiresAt: null,
        lastUsedAt: null,
      });
      await store().createApiToken(tok('t1', a.id, T0));
      await store().createApiToken(tok('t2', a.id, T0 + 1));
      await store().createApiToken(tok('t3', b.id, T0));
      expect(await store().listApiTokensOfUser(a.id)).toEqual([tok('t2', a.id, T0 + 1), tok('t1', a.id, T0)]);
      expect(await store().deleteApiToken(a.id, 't3')).toBe(false);
      expect(await store().getApiTokenByHash('h-t3')).not.toBeNull();
      expect(await store().deleteApiToken(a.id, 't1')).toBe(true);
      expect(await store().getApiTokenByHash('h-t1')).toBeNull();
      expect(await store().deleteApiToken(a.id, 't1')).toBe(false);
    });
  });

  mfaContract(store);
}
