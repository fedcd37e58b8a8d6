// Store contract, sessions and tickets: live-session lookups the broker relies on for resume and
// limits, and one-time tickets that open at most one WebSocket. Run through runStoreContract.
import { describe, expect, it } from 'vitest';
import { isStoreConflict } from './errors.ts';
import type { CurrentStore } from './store.contract.ts';
import { aPool, aSession, aTicket, aUser, T0 } from './store.fixtures.ts';

export function sessionsContract(store: CurrentStore): void {
  async function userAndPool() {
    return { user: await store().createUser(aUser()), pool: await store().createPool(aPool()) };
  }

  describe('sessions', () => {
    it('round-trips, updates, and returns null for an unknown id', async () => {
      const { user, pool } = await userAndPool();
      const s = await store().createSession(aSession(user.id, pool.id));
      expect(await store().getSession(s.id)).toEqual(s);
      const patch = { state: 'ready' as const, desktopId: 'd1', hostId: 'h1', readyAt: T0 + 1, detachedAt: T0 + 2 };
      expect(await store().updateSession(s.id, patch)).toEqual({ ...s, ...patch });
      expect(await store().getSession(s.id)).toEqual({ ...s, ...patch });
      expect(await store().updateSession('nope', { state: 'ended' })).toBeNull();
      expect(await store().getSession('nope')).toBeNull();
    });

    it('updateSessionIf applies only from the expected states (compare-and-set)', async () => {
      const { user, pool } = await userAndPool();
      const s = await store().createSession(aSession(user.id, pool.id, { state: 'ending' }));
      expect(await store().updateSessionIf(s.id, { state: ['starting', 'ready'] }, { state: 'failed' })).toBeNull();
      expect((await store().getSession(s.id))!.state).toBe('ending');
      expect(await store().updateSessionIf(s.id, { state: ['ending'] }, { state: 'ended', endedAt: T0 + 5 })).toMatchObject({
        state: 'ended',
        endedAt: T0 + 5,
      });
      expect(await store().updateSessionIf('nope', { state: ['ending'] }, { state: 'ended' })).toBeNull();
    });

    it('listDueSessions returns exactly the live sessions a timer rule may end now', async () => {
      const u = await store().createUser(aUser());
      const pool = await store().createPool(aPool({ maxLifetimeS: 3600, idleTimeoutS: 600, graceS: 60 }));
      const open = await store().createPool(aPool({ maxLifetimeS: 0, idleTimeoutS: 0, graceS: 60 }));
      const now = T0 + 10 * 3600_000;
      const mk = (poolId: string, o: Parameters<typeof aSession>[2]) =>
        store().createSession(aSession(u.id, poolId, { lastActivityAt: now, ...o }));
      const due = [
        await mk(pool.id, { state: 'ready', createdAt: now - 3601_000 }), // max lifetime
        await mk(pool.id, { state: 'ready', createdAt: now - 1000, lastActivityAt: now - 601_000 }), // idle
        await mk(open.id, { state: 'ready', createdAt: now - 1000, detachedAt: now - 61_000 }), // grace
        await mk(open.id, { state: 'lost', createdAt: now - 1000, detachedAt: now - 61_000 }), // lost past grace
        await mk(open.id, { state: 'starting', createdAt: now - 181_000 }), // stuck
      ];
      const notDue = [
        await mk(pool.id, { state: 'ready', createdAt: now - 3599_000 }),
        await mk(open.id, { state: 'ready', createdAt: now - 99 * 3600_000, lastActivityAt: now - 99 * 3600_000 }), // no limits
        await mk(open.id, { state: 'ready', createdAt: now - 1000, detachedAt: now - 59_000 }),
        await mk(open.id, { state: 'lost', createdAt: now - 1000, detachedAt: now - 59_000 }),
        await mk(open.id, { state: 'starting', createdAt: now - 179_000 }),
        await mk(pool.id, { state: 'ended', createdAt: now - 99 * 3600_000 }),
      ];
      const ids = (await store().listDueSessions(now, 180_000)).map((s) => s.id).sort();
      expect(ids).toEqual(due.map((s) => s.id).sort());
      expect(ids).not.toContain(notDue[0]!.id);
    });

    it('countSessionsByState counts the asked-for states, 0 for absent ones', async () => {
      const { user, pool } = await userAndPool();
      for (const state of ['ready', 'ready', 'lost', 'ended'] as const) await store().createSession(aSession(user.id, pool.id, { state }));
      expect(await store().countSessionsByState(['starting', 'ready', 'lost'])).toEqual({ starting: 0, ready: 2, lost: 1 });
    });

    it('lists newest first, filtered by state, user, pool and host', async () => {
      const a = await userAndPool();
      const b = await userAndPool();
      const s1 = await store().createSession(aSession(a.user.id, a.pool.id, { createdAt: T0, hostId: 'h1' }));
      const s2 = await store().createSession(aSession(a.user.id, b.pool.id, { createdAt: T0 + 1, state: 'ended' }));
      const s3 = await store().createSession(aSession(b.user.id, a.pool.id, { createdAt: T0 + 2, state: 'ready', hostId: 'h1' }));

      expect(await store().listSessions()).toEqual([s3, s2, s1]);
      expect(await store().listSessions({ state: ['starting', 'ready'] })).toEqual([s3, s1]);
      expect(await store().listSessions({ userId: a.user.id })).toEqual([s2, s1]);
      expect(await store().listSessions({ poolId: a.pool.id, userId: b.user.id })).toEqual([s3]);
      expect(await store().listSessions({ hostId: 'h1' })).toEqual([s3, s1]);
      const s4 = await store().createSession(aSession(b.user.id, b.pool.id, { createdAt: T0 + 3, desktopId: 'd-x' }));
      expect(await store().listSessions({ desktopId: 'd-x' })).toEqual([s4]);
      expect(await store().listSessions({ desktopId: 'd-x', state: ['ended'] })).toEqual([]);
      expect(await store().listSessions({ limit: 2 })).toEqual([s4, s3]);
      expect(await store().listSessions({ state: [] })).toEqual([]);
    });

    it('cameUp: only sessions that came up on a host, newest first, however many never did', async () => {
      const { user, pool } = await userAndPool();
      await store().createSession(aSession(user.id, pool.id, { createdAt: T0, state: 'ended', hostId: 'h-home', readyAt: T0 + 5 }));
      for (let i = 1; i <= 30; i++)
        await store().createSession(aSession(user.id, pool.id, { createdAt: T0 + 10 + i, state: 'failed', hostId: 'h-other' }));
      await store().createSession(aSession(user.id, pool.id, { createdAt: T0 + 100, state: 'starting', readyAt: null }));
      const [last] = await store().listSessions({ userId: user.id, poolId: pool.id, cameUp: true, limit: 1 });
      expect(last).toMatchObject({ hostId: 'h-home', readyAt: T0 + 5 });
    });

    it('lists at most 500 sessions unless asked for more', async () => {
      const { user, pool } = await userAndPool();
      for (let i = 0; i < 501; i++) await store().createSession(aSession(user.id, pool.id, { createdAt: T0 + i, state: 'ended' }));
      const page = await store().listSessions();
      expect(page).toHaveLength(500);
      expect(page[0]?.createdAt).toBe(T0 + 500);
      expect(await store().listSessions({ limit: 1000 })).toHaveLength(501);
    });

    it("finds the user's live session in the pool, ignoring ended, failed and lost ones", async () => {
      const { user, pool } = await userAndPool();
      const other = await store().createPool(aPool());
      for (const state of ['ended', 'failed', 'lost'] as const) {
        await store().createSession(aSession(user.id, pool.id, { state, createdAt: T0 + 50 }));
      }
      await store().createSession(aSession(user.id, other.id));
      expect(await store().findLiveSession(user.id, pool.id)).toBeNull();

      const live = await store().createSession(aSession(user.id, pool.id, { state: 'ready' }));
      expect(await store().findLiveSession(user.id, pool.id)).toEqual(live);
      await store().updateSession(live.id, { state: 'ending' });
      expect((await store().findLiveSession(user.id, pool.id))?.id).toBe(live.id);
      await store().updateSession(live.id, { state: 'ended', endedAt: T0 + 9 });
      expect(await store().findLiveSession(user.id, pool.id)).toBeNull();
    });

    it('counts live sessions by user, by pool, and in all', async () => {
      const a = await userAndPool();
      const b = await userAndPool();
      await store().createSession(aSession(a.user.id, a.pool.id, { state: 'starting' }));
      await store().createSession(aSession(a.user.id, b.pool.id, { state: 'ready' }));
      await store().createSession(aSession(b.user.id, a.pool.id, { state: 'ending' }));
      await store().createSession(aSession(b.user.id, b.pool.id, { state: 'ended' }));
      await store().createSession(aSession(a.user.id, a.pool.id, { state: 'failed' }));
      expect(await store().countLiveSessions({ userId: a.user.id })).toBe(2);
      expect(await store().countLiveSessions({ poolId: a.pool.id })).toBe(2);
      expect(await store().countLiveSessions({ userId: b.user.id, poolId: b.pool.id })).toBe(0);
      expect(await store().countLiveSessions({})).toBe(3);
    });
  });

  describe('tickets', () => {
    async function session() {
      const { user, pool } = await userAndPool();
      return store().createSession(aSession(user.id, pool.id));
    }

    it('consumes a ticket once: the second consume gets null', async () => {
      const s = await session();
      const t = aTicket(s.userId, s.id, { mode: 'view' });
      await store().createTicket(t);
      expect(await store().consumeTicket(t.hash, T0 + 1)).toEqual({ ...t, usedAt: T0 + 1 });
      expect(await store().consumeTicket(t.hash, T0 + 2)).toBeNull();
    });

    it("keeps a shadow ticket's shadow", async () => {
      const s = await session();
      const t = aTicket(s.userId, s.id, { mode: 'view', shadowId: 'sh-0123456789abcdef01' });
      await store().createTicket(t);
      expect(await store().consumeTicket(t.hash, T0 + 1)).toEqual({ ...t, usedAt: T0 + 1 });
    });

    it('lets only one of two concurrent consumers have a ticket', async () => {
      const s = await session();
      const t = aTicket(s.userId, s.id);
      await store().createTicket(t);
      const both = await Promise.all([store().consumeTicket(t.hash, T0), store().consumeTicket(t.hash, T0)]);
      expect(both.filter((x) => x !== null)).toHaveLength(1);
    });

    it('does not consume an expired or unknown ticket', async () => {
      const s = await session();
      const t = aTicket(s.userId, s.id, { expiresAt: T0 + 30_000 });
      await store().createTicket(t);
      expect(await store().consumeTicket(t.hash, T0 + 30_000)).toBeNull();
      expect(await store().consumeTicket('unknown', T0)).toBeNull();
    });

    it('deletes expired tickets, used or not, and reports how many', async () => {
      const s = await session();
      const expired = aTicket(s.userId, s.id, { expiresAt: T0 + 10 });
      const used = aTicket(s.userId, s.id, { expiresAt: T0 + 10, usedAt: T0 + 1 });
      const fresh = aTicket(s.userId, s.id, { expiresAt: T0 + 100 });
      for (const t of [expired, used, fresh]) await store().createTicket(t);
      expect(await store().deleteExpiredTickets(T0 + 10)).toBe(2);
      expect(await store().consumeTicket(fresh.hash, T0 + 11)).not.toBeNull();
    });

    it('refuses a ticket for a session that does not exist', async () => {
      const { user } = await userAndPool();
      const err = await store()
        .createTicket(aTicket(user.id, 'ghost'))
        .catch((e: unknown) => e);
      expect(isStoreConflict(err, 'missing_reference')).toBe(true);
    });
  });
}
