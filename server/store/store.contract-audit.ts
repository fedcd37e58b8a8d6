// Store contract, audit: append-only events, listed newest first with filters and a capped limit.
// Run through runStoreContract.
import { describe, expect, it } from 'vitest';
import type { CurrentStore } from './store.contract.ts';
import { T0 } from './store.fixtures.ts';
import type { NewAuditEvent } from './types.ts';

const event = (o: Partial<NewAuditEvent> = {}): NewAuditEvent => ({
  actor: 'admin',
  action: 'pool.update',
  target: 'pool-1',
  result: 'ok',
  ip: '192.0.2.7',
  details: {},
  ...o,
});

export function auditContract(store: CurrentStore): void {
  describe('audit', () => {
    it('appends with an id and a time, and round-trips details', async () => {
      const details = { reason: 'policy', fields: ['minWarm'], nested: { n: 1, ok: true, none: null } };
      const e = await store().appendAudit(event({ at: T0, details, actor: null, target: null, ip: null }));
      expect(e).toEqual({
        id: expect.any(Number),
        at: T0,
        actor: null,
        action: 'pool.update',
        target: null,
        result: 'ok',
        ip: null,
        details,
      });
      const stamped = await store().appendAudit(event());
      expect(stamped.at).toBeTypeOf('number');
      expect(stamped.id).toBeGreaterThan(e.id);
      expect(await store().listAudit()).toEqual([stamped, e]);
    });

    it('lists newest first, filtered by actor, action and since', async () => {
      const a = await store().appendAudit(event({ at: T0, actor: 'ann', action: 'auth.login' }));
      const b = await store().appendAudit(event({ at: T0 + 1, actor: 'bob', action: 'auth.login', result: 'denied' }));
      const c = await store().appendAudit(event({ at: T0 + 2, actor: 'ann', action: 'session.launch' }));
      expect(await store().listAudit()).toEqual([c, b, a]);
      expect(await store().listAudit({ actor: 'ann' })).toEqual([c, a]);
      expect(await store().listAudit({ action: 'auth.login' })).toEqual([b, a]);
      expect(await store().listAudit({ since: T0 + 1 })).toEqual([c, b]);
      expect(await store().listAudit({ actor: 'ann', action: 'auth.login' })).toEqual([a]);
      expect(await store().listAudit({ actor: 'nobody' })).toEqual([]);
    });

    it('pages with beforeId and limit', async () => {
      const all = [];
      for (let i = 0; i < 5; i++) all.push(await store().appendAudit(event({ at: T0 + i })));
      const newest = [...all].reverse();
      const first = await store().listAudit({ limit: 2 });
      expect(first).toEqual(newest.slice(0, 2));
      expect(await store().listAudit({ limit: 2, beforeId: first.at(-1)?.id })).toEqual(newest.slice(2, 4));
      expect(await store().listAudit({ limit: 2, beforeId: newest[4]?.id })).toEqual([]);
    });

    it('returns 100 events by default and never more than 1000', async () => {
      for (let i = 0; i < 1001; i++) await store().appendAudit(event({ at: T0 + i }));
      const page = await store().listAudit();
      expect(page).toHaveLength(100);
      expect(page[0]?.at).toBe(T0 + 1000);
      expect(await store().listAudit({ limit: 5000 })).toHaveLength(1000);
    });
  });
}
