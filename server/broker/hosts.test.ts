// Host events over a real in-memory SQLite store and a SCRIPTED FAKE host control (no agent, no
// desktops): reconciliation when an agent says hello, what a disconnect does, and with several
// gateways the reconcile once per boot, presence and a quiet start (docs/agent-protocol.md).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import { aHost, aPool, aUser } from '../store/store.fixtures.ts';
import type { Pool, Store, User } from '../store/types.ts';
import { createBroker, type Broker } from './broker.ts';
import { moveHost } from './host-state.ts';
import { createHostEvents } from './hosts.ts';
import { launchReady as launchReadyIn, ScriptedHosts, testBrokerCtx } from './testing.ts';
import type { BrokerCtx } from './transitions.ts';
import { createTickets } from './tickets.ts';

let store: Store;
let clock: ManualClock;
let hosts: ScriptedHosts;
let broker: Broker;
let ctx: BrokerCtx;
let alice: User;
let pool: Pool;

beforeEach(async () => {
  clock = new ManualClock();
  store = openSqliteStore({ file: ':memory:', clock });
  hosts = new ScriptedHosts();
  ctx = testBrokerCtx(store, clock, hosts);
  broker = createBroker(ctx, createTickets({ store, clock, ttlS: 30 }));
  alice = await store.createUser(aUser({ id: 'u-alice', username: 'alice', roles: ['user'] }));
  await store.createHost(aHost({ id: 'h1', name: 'host-1', drivers: ['process'], capacity: { desktops: 2, cpu: 2, memoryMb: 2048 } }));
  pool = await store.createPool(aPool({ id: 'p1', minWarm: 0, graceS: 60 }));
});
afterEach(async () => store.close());

const launchReady = (user = alice) => launchReadyIn(broker, store, user, pool.id);

describe('host reconciliation', () => {
  const hello = (inventory: { desktopId: string; state: 'running' | 'stopped'; startedAt: number }[]) => ({
    type: 'hello' as const,
    protocol: 'deskport.agent.v1' as const,
    agentVersion: 't',
    name: 'host-1',
    drivers: ['process' as const],
    capacity: { desktops: 2, cpu: 2, memoryMb: 1 },
    inventory,
  });

  it('marks sessions lost when the host drops and resumes them when it returns with the desktop', async () => {
    const s = await launchReady();
    const ev = createHostEvents(ctx, broker);
    await ev.hostDisconnected('h1');
    expect((await store.getSession(s.id))!.state).toBe('lost');
    expect((await store.getHost('h1'))!.state).toBe('unreachable');
    await ev.hostConnected((await store.getHost('h1'))!, hello([{ desktopId: s.desktopId!, state: 'running', startedAt: 1 }]));
    expect((await store.getSession(s.id))!.state).toBe('ready');
  });

  it('ends sessions whose desktop vanished and destroys orphans the gateway does not know', async () => {
    const s = await launchReady();
    const ev = createHostEvents(ctx, broker);
    await ev.hostConnected((await store.getHost('h1'))!, hello([{ desktopId: 'd-orphan', state: 'running', startedAt: 1 }]));
    expect((await store.getSession(s.id))!.state).toBe('ended');
    expect(hosts.sent('desktop.destroy')).toContainEqual({ type: 'desktop.destroy', desktopId: 'd-orphan' });
    // The vanished desktop is destroyed on its host too: whatever it left there (a home, a display) goes.
    expect(hosts.sent('desktop.destroy')).toContainEqual({ type: 'desktop.destroy', desktopId: s.desktopId });
    expect((await store.getDesktop(s.desktopId!))!.state).toBe('gone');
  });

  it('ends the session when its desktop stops on its own, and has its host destroy it', async () => {
    const s = await launchReady();
    await createHostEvents(ctx, broker).desktopState('h1', { type: 'desktop.state', desktopId: s.desktopId!, state: 'stopped' });
    expect((await store.getSession(s.id))!.state).toBe('ended');
    expect(hosts.sent('desktop.destroy')).toEqual([{ type: 'desktop.destroy', desktopId: s.desktopId }]);
    expect((await store.getDesktop(s.desktopId!))!.state).toBe('gone');
  });

  it('a desktop that dies with nobody on it (a warm spare) is destroyed on its host as well', async () => {
    const s = await launchReady();
    await broker.end(s.id, { username: 'admin' }, 'test');
    hosts.requests = [];
    const spare = await store.createDesktop({
      id: 'd-spare',
      poolId: s.poolId!,
      hostId: 'h1',
      state: 'running',
      secret: 'x',
      ownerId: null,
      error: null,
      createdAt: 1,
      updatedAt: 1,
    });
    await createHostEvents(ctx, broker).desktopState('h1', {
      type: 'desktop.state',
      desktopId: spare.id,
      state: 'failed',
      error: 'Xvnc crashed',
    });
    expect(hosts.sent('desktop.destroy')).toEqual([{ type: 'desktop.destroy', desktopId: 'd-spare' }]);
    expect((await store.getDesktop('d-spare'))!.state).toBe('gone');
  });

  it('ignores agent disconnects caused by the gateway itself shutting down', async () => {
    const s = await launchReady();
    ctx.stopping = true;
    await createHostEvents(ctx, broker).hostDisconnected('h1');
    expect((await store.getSession(s.id))!.state).toBe('ready');
  });
  it('alone, every hello reconciles (a reconnect the gateway did not notice included)', async () => {
    await launchReady();
    const ev = createHostEvents(ctx, broker);
    const orphan = { ...hello([{ desktopId: 'd-orphan', state: 'running', startedAt: 1 }]), bootId: 'boot-1' };
    await ev.hostConnected((await store.getHost('h1'))!, orphan);
    await ev.hostConnected((await store.getHost('h1'))!, orphan);
    expect(hosts.sent('desktop.destroy').filter((d) => (d as { desktopId?: string }).desktopId === 'd-orphan')).toHaveLength(2);
  });

  it('several gateways: one reconcile per agent boot, another after the host was away', async () => {
    await launchReady();
    const ev = createHostEvents(ctx, broker, { severalGateways: true });
    const orphans = () => hosts.sent('desktop.destroy').filter((d) => (d as { desktopId?: string }).desktopId === 'd-orphan');
    const orphan = { ...hello([{ desktopId: 'd-orphan', state: 'running', startedAt: 1 }]), bootId: 'boot-1' };
    const host = (await store.getHost('h1'))!;
    // The same boot's hellos reach two gateways: one destroys the orphan.
    await Promise.all([ev.hostConnected(host, orphan), ev.hostConnected(host, orphan)]);
    expect(orphans()).toHaveLength(1);
    await ev.hostConnected(host, orphan);
    expect(orphans()).toHaveLength(1);
    // A disconnect on one gateway decides nothing among several: presence does.
    await ev.hostDisconnected('h1');
    expect((await store.getHost('h1'))!.state).toBe('online');
    // Unless no other gateway runs now (a lone gateway on PostgreSQL): then at once, as on SQLite.
    await createHostEvents(ctx, broker, { severalGateways: true, alone: () => true }).hostDisconnected('h1');
    expect((await store.getHost('h1'))!.state).toBe('unreachable');
    await moveHost(store, (await store.getHost('h1'))!, 'online'); // back, as the hub does before hostConnected
    await ev.hostConnected((await store.getHost('h1'))!, orphan);
    expect(orphans()).toHaveLength(2);
    // Away (presence), then back: reconciled again.
    await ev.presence({
      heldHere: () => false,
      heldElsewhere: () => false,
      resync: () => undefined,
      staleBefore: Infinity,
      settled: true,
      leading: true,
    });
    expect((await store.getHost('h1'))!.state).toBe('unreachable');
    await ev.hostConnected((await store.getHost('h1'))!, orphan);
    expect(orphans()).toHaveLength(3);
  });

  it('several gateways: presence asks an agent held here but marked away to say hello again, and takes away a host only when nobody holds it', async () => {
    const s = await launchReady();
    const ev = createHostEvents(ctx, broker, { severalGateways: true });
    const resynced: string[] = [];
    const base = {
      heldHere: () => false,
      heldElsewhere: () => false,
      resync: (id: string) => void resynced.push(id),
      staleBefore: Infinity,
    };
    await ev.presence({ ...base, settled: false, leading: true });
    await ev.presence({ ...base, settled: true, leading: false });
    await ev.presence({ ...base, heldElsewhere: () => true, settled: true, leading: true });
    // Its agent's primary connection wrote liveness lately: not away.
    await store.updateHost('h1', { lastHeartbeatAt: clock.now() });
    await ev.presence({ ...base, staleBefore: clock.now() - 1, settled: true, leading: true });
    expect((await store.getHost('h1'))!.state).toBe('online');
    expect((await store.getSession(s.id))!.state).toBe('ready');
    await ev.presence({ ...base, settled: true, leading: true });
    expect((await store.getHost('h1'))!.state).toBe('unreachable');
    expect((await store.getSession(s.id))!.state).toBe('lost');
    expect(resynced).toEqual([]);
    await ev.presence({ ...base, heldHere: () => true, settled: false, leading: false });
    expect(resynced).toEqual(['h1']);
  });

  it('a gateway starting among others touches no host or session', async () => {
    const s = await launchReady();
    await createHostEvents(ctx, broker).onStart(true);
    expect((await store.getHost('h1'))!.state).toBe('online');
    expect((await store.getSession(s.id))!).toMatchObject({ state: 'ready', detachedAt: s.detachedAt });
    await createHostEvents(ctx, broker).onStart(false);
    expect((await store.getHost('h1'))!.state).toBe('unreachable');
  });
});
