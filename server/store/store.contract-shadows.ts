// Store contract, helpdesk shadow requests (server/broker/shadows.ts): any gateway reads them, a
// move is a compare-and-set so two answers at once land once, and finished ones are cleaned up.
// Run through runStoreContract.
import { describe, expect, it } from 'vitest';
import type { Shadow } from './shadow-types.ts';
import type { CurrentStore } from './store.contract.ts';
import { T0 } from './store.fixtures.ts';

const shadow = (id: string, over: Partial<Shadow> = {}): Shadow => ({
  id,
  sessionId: 's-1',
  ownerId: 'u-owner',
  requesterId: 'u-hank',
  requesterName: 'hank',
  requesterDisplayName: 'Hank Helper',
  mode: 'view',
  reason: 'ticket #1',
  state: 'pending',
  consent: 'owner',
  sound: false,
  createdAt: T0,
  decidedAt: null,
  endedAt: null,
  ...over,
});

export function shadowsContract(store: CurrentStore): void {
  describe('shadows', () => {
    it('keeps a request as given and lists the active ones by session and by requester, oldest first', async () => {
      const s = store();
      await s.createShadow(shadow('sh-b', { createdAt: T0 + 2 }));
      await s.createShadow(shadow('sh-a', { createdAt: T0 + 1, mode: 'control', state: 'approved', decidedAt: T0 + 5, sound: true }));
      await s.createShadow(shadow('sh-other', { sessionId: 's-2', requesterId: 'u-hana' }));
      await s.createShadow(shadow('sh-done', { state: 'ended', endedAt: T0 + 3 }));
      expect(await s.getShadow('sh-a')).toEqual(
        shadow('sh-a', { createdAt: T0 + 1, mode: 'control', state: 'approved', decidedAt: T0 + 5, sound: true }),
      );
      expect(await s.getShadow('sh-none')).toBeNull();
      expect((await s.listActiveShadows({ sessionIds: ['s-1'] })).map((x) => x.id)).toEqual(['sh-a', 'sh-b']);
      expect((await s.listActiveShadows({ sessionIds: ['s-1', 's-2'] })).map((x) => x.id)).toEqual(['sh-other', 'sh-a', 'sh-b']);
      expect(await s.listActiveShadows({ sessionIds: [] })).toEqual([]);
      expect((await s.listActiveShadows({ requesterId: 'u-hana' })).map((x) => x.id)).toEqual(['sh-other']);
    });

    it('moves a shadow only from the states given: of two answers at once, one lands', async () => {
      const s = store();
      await s.createShadow(shadow('sh-1'));
      const [approve, deny] = await Promise.all([
        s.moveShadow('sh-1', ['pending'], { state: 'approved', decidedAt: T0 + 10, sound: true }),
        s.moveShadow('sh-1', ['pending'], { state: 'denied', decidedAt: T0 + 10, endedAt: T0 + 10 }),
      ]);
      expect([approve, deny].filter(Boolean)).toHaveLength(1);
      const now = await s.getShadow('sh-1');
      expect(now?.state).toBe(approve ? 'approved' : 'denied');
      expect(now?.sound).toBe(Boolean(approve));
      expect(now?.decidedAt).toBe(T0 + 10);
      // What a move does not name stays as it was.
      const ended = await s.moveShadow('sh-1', ['pending', 'approved'], { state: 'ended', endedAt: T0 + 20 });
      if (approve) expect(ended).toMatchObject({ state: 'ended', decidedAt: T0 + 10, endedAt: T0 + 20, sound: true });
      else expect(ended).toBeNull();
      expect(await s.moveShadow('sh-none', ['pending'], { state: 'ended' })).toBeNull();
    });

    it('finds requests pending too long and deletes finished ones after a while', async () => {
      const s = store();
      await s.createShadow(shadow('old', { createdAt: T0 }));
      await s.createShadow(shadow('new', { createdAt: T0 + 100 }));
      await s.createShadow(shadow('answered', { createdAt: T0, state: 'approved', decidedAt: T0 + 1 }));
      expect((await s.listShadowsPendingSince(T0 + 50, 10)).map((x) => x.id)).toEqual(['old']);
      expect(await s.listShadowsPendingSince(T0 + 500, 1)).toHaveLength(1);
      await s.moveShadow('old', ['pending'], { state: 'ended', endedAt: T0 + 200 });
      await s.moveShadow('new', ['pending'], { state: 'denied', decidedAt: T0 + 300, endedAt: T0 + 300 });
      expect(await s.deleteFinishedShadows(T0 + 250)).toBe(1);
      expect(await s.getShadow('old')).toBeNull();
      expect(await s.getShadow('new')).not.toBeNull();
      expect(await s.getShadow('answered')).not.toBeNull();
    });
  });
}
