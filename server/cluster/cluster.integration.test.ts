// Two gateways' shared state on a real PostgreSQL 15 (their own stores, pools and listeners on one
// database): signals both ways and back after a broken connection, session events and display counts
// between clusters, a helpdesk shadow asked on one gateway, answered and ended on the other, and
// who counts as another gateway at start.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from '../../test/helpers/postgres.ts';
import { systemClock } from '../clock.ts';
import { silentLogger } from '../log.ts';
import { DisplayClose } from '../../contract/display.ts';
import type { SessionEvent } from '../broker/session-events.ts';
import { createShadows } from '../broker/shadows.ts';
import { ScriptedHosts, testBrokerCtx } from '../broker/testing.ts';
import { Viewers, type Viewer } from '../broker/viewers.ts';
import { openPostgresStore } from '../store/postgres.ts';
import { MAX_SIGNAL_BYTES } from '../store/signal-types.ts';
import { aSession, aUser } from '../store/store.fixtures.ts';
import type { Store } from '../store/types.ts';
import { createCluster } from './cluster.ts';
import { createGatewayCluster } from './gateway-cluster.ts';

let pgc: PostgresCluster;
let url: string;
const stores: Store[] = [];
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  pgc = await startPostgres();
  url = await pgc.createDatabase('cluster');
}, 60_000);

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

afterAll(async () => {
  for (const s of stores) await s.close();
  await pgc?.stop();
}, 30_000);

async function open(): Promise<Store> {
  const s = await openPostgresStore({ url });
  stores.push(s);
  return s;
}

/** Resolves once `pred` holds, polling every 10 ms; fails after `ms`. */
async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One gateway's shared-state half: its broker context on its own store, and its cluster. */
async function gateway(id: string, store: Store) {
  const ctx = testBrokerCtx(store, systemClock, new ScriptedHosts());
  const cluster = createCluster({
    gatewayId: id,
    signals: store.signals,
    clock: systemClock,
    log: silentLogger(),
    events: ctx.events,
    viewers: () => viewers,
  });
  const viewers = new Viewers({ ...cluster.viewersHooks, settled: cluster.settled });
  ctx.viewers = viewers;
  await cluster.start();
  cleanups.push(() => cluster.stop());
  return { ctx, cluster, viewers, shadows: createShadows(ctx) };
}

function viewer(userId: string, shadowId?: string): Viewer & { closed: [number, string][] } {
  const closed: [number, string][] = [];
  return { userId, mode: 'view', ...(shadowId ? { shadowId } : {}), closed, close: (code, reason) => closed.push([code, reason]) };
}

describe('signals on PostgreSQL', () => {
  it('reach every listener, refuse what NOTIFY cannot carry, and come back after the connection broke', async () => {
    const a = await open();
    const b = await open();
    const heard: string[] = [];
    let gaps = 0;
    const stop = await b.signals.listen(
      (m) => heard.push(m),
      () => gaps++,
    );
    cleanups.push(stop);
    await a.signals.publish('hello');
    await until(() => heard.includes('hello'));
    await expect(a.signals.publish('x'.repeat(MAX_SIGNAL_BYTES + 1))).rejects.toThrow(/over the limit/);

    // The listener's connection is cut (PostgreSQL restarting, a network drop): it connects again.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const cut = await admin.query<{ n: number }>(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name LIKE 'deskport-signals-%'",
      );
      expect(cut.rows[0]?.n).toBe(1);
    } finally {
      await admin.end();
    }
    await until(() => gaps === 1, 10_000);
    await a.signals.publish('again');
    await until(() => heard.includes('again'));
  }, 30_000);
});

describe('two gateways on one PostgreSQL', () => {
  it('a launch’s progress on one gateway reaches a stream on the other; counts and closes cross too', async () => {
    const a = await gateway('gw-a', await open());
    const b = await gateway('gw-b', await open());
    const onB: SessionEvent[] = [];
    b.ctx.events.subscribe('s-x', { userId: 'u-bob', owner: true }, (e) => onB.push(e));
    a.ctx.events.emit('s-x', { kind: 'progress', step: 'creating', message: 'Starting your desktop', at: 1 });
    await until(() => onB.length === 1);
    expect(onB[0]).toMatchObject({ kind: 'progress', step: 'creating' });

    const v = viewer('u-bob');
    a.viewers.add('s-x', v);
    await until(() => b.viewers.count('s-x') === 1);
    b.viewers.closeAll('s-x', DisplayClose.SessionEnded, 'the session ended');
    await until(() => v.closed.length === 1);
    a.viewers.remove('s-x', v);
    await until(() => b.viewers.count('s-x') === 0);
  }, 30_000);

  it('a shadow asked on one gateway is answered on the other, and ending it there closes the display here', async () => {
    const storeA = await open();
    const a = await gateway('gw-a', storeA);
    const b = await gateway('gw-b', await open());
    const owner = aUser({ id: 'u-owner', username: 'olive', displayName: 'Olive' });
    const helper = aUser({ id: 'u-hank', username: 'hank', displayName: 'Hank', roles: ['helpdesk'] });
    const session = aSession(owner.id, 'p-1', { id: 's-shadowed', state: 'ready' });

    const heardOnA: SessionEvent[] = [];
    a.ctx.events.subscribe(session.id, { userId: helper.id, owner: false }, (e) => heardOnA.push(e));
    const asked = await a.shadows.request(helper, session, { shadowWithoutConsent: false }, 'view', 'ticket #7', null);
    expect(asked.state).toBe('pending');
    // The owner answers through the other gateway; the helper's page on this one hears it.
    const approved = await b.shadows.decide(owner, asked.id, 'approve', null, { sound: true });
    expect(approved).toMatchObject({ state: 'approved', sound: true });
    await until(() => heardOnA.some((e) => e.kind === 'shadow' && e.shadow.state === 'approved'));
    // A second answer on the other gateway is refused: it reads the answer the first one stored.
    await expect(a.shadows.decide(owner, asked.id, 'deny', null)).rejects.toThrow(/already/);
    // A display ticket of the helper is checked on this gateway against the other's answer.
    expect(await a.shadows.approvedFor({ shadowId: asked.id, userId: helper.id, mode: 'view' }, session.id)).toMatchObject({
      id: asked.id,
    });
    expect(await a.shadows.approvedFor({ shadowId: asked.id, userId: helper.id, mode: 'control' }, session.id)).toBeUndefined();

    const display = viewer(helper.id, asked.id);
    a.viewers.add(session.id, display);
    await b.shadows.end(owner, asked.id, null);
    await until(() => display.closed.length === 1);
    expect(display.closed[0]).toEqual([DisplayClose.ShadowEnded, 'the shadow session ended']);
    expect((await storeA.getShadow(asked.id))?.state).toBe('ended');
    const audit = await storeA.listAudit({ limit: 20 });
    expect(audit.map((e) => e.action).filter((x) => x.startsWith('shadow.'))).toEqual(['shadow.end', 'shadow.approve', 'shadow.request']);
  }, 30_000);

  it('at start, a gateway that writes its row and is heard counts as another; one that stopped saying goodbye does not', async () => {
    const [sa, sb] = [await open(), await open()];
    const shared = (id: string, store: Store) => {
      const c = createGatewayCluster({
        gatewayId: id,
        store,
        clock: systemClock,
        log: silentLogger(),
        detached: async () => undefined,
        severalGateways: true,
        agentTimeoutMs: 15_000,
        peerWaitMs: 2_000,
      });
      cleanups.push(() => c.stop());
      return c;
    };
    const a = shared('gw-a0', sa);
    await a.start();
    expect(await a.others()).toBe(false); // nobody else yet
    const b = shared('gw-b0', sb);
    await b.start();
    expect(await b.others()).toBe(true); // a's row, and a heard within the wait
    await b.stop(); // goodbye: its row goes
    expect(await a.others()).toBe(false);
  }, 30_000);
});
