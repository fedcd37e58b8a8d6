// Warm spares and host-state rules over a real in-memory SQLite store and a SCRIPTED FAKE host
// control (no agent, no desktops).
import { DEFAULT_SESSION_POLICY } from '../../contract/api/policy.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import type { Pool, Store, User } from '../store/types.ts';
import { createBroker, type Broker } from './broker.ts';
import { ScriptedHosts, testBrokerCtx } from './testing.ts';
import type { BrokerCtx } from './transitions.ts';
import { createHostEvents } from './hosts.ts';
import type { SessionEvent } from './session-events.ts';
import { createTickets } from './tickets.ts';
import { createTimers } from './timers.ts';
import { REFILL_HOLD_MS } from './warm.ts';

let store: Store;
let clock: ManualClock;
let hosts: ScriptedHosts;
let ctx: BrokerCtx;
let broker: Broker;
let timers: ReturnType<typeof createTimers>;
let alice: User;
let pool: Pool;

beforeEach(async () => {
  store = openSqliteStore({ file: ':memory:' });
  clock = new ManualClock();
  hosts = new ScriptedHosts(['h1', 'h2']);
  ctx = testBrokerCtx(store, clock, hosts);
  broker = createBroker(ctx, createTickets({ store, clock, ttlS: 30 }));
  timers = createTimers(ctx, broker);
  alice = await store.createUser({
    id: 'u-alice',
    username: 'alice',
    displayName: '',
    groups: [],
    disabled: false,
    passwordHash: null,
    roles: ['user'],
  });
  for (const id of ['h1', 'h2']) {
    await store.createHost({
      id,
      name: id,
      labels: {},
      drivers: ['docker'],
      capacity: { desktops: 3, cpu: 2, memoryMb: 2048 },
      state: 'online',
      credentialHash: id,
      lastHeartbeatAt: 0,
      createdAt: 0,
    });
  }
  pool = await store.createPool({
    id: 'p1',
    name: 'Docker',
    description: '',
    driver: 'docker',
    protocol: 'vnc',
    image: 'deskport-desktop:latest',
    cpu: 1,
    memoryMb: 512,
    minWarm: 2,
    maxDesktops: 4,
    maxPerUser: 2,
    idleTimeoutS: 0,
    graceS: 600,
    maxLifetimeS: 0,
    persistence: 'pooled',
    placement: 'breadth',
    network: 'none',
    groups: [],
    shadowWithoutConsent: false,
    policy: DEFAULT_SESSION_POLICY,
    createdAt: 0,
  });
});
afterEach(() => store.close());

const spares = () => store.listDesktops({ poolId: pool.id, state: ['creating', 'running'], ownerless: true });

describe('warm spares', () => {
  it('keeps minWarm ownerless desktops running, spread by placement', async () => {
    await timers.sweep();
    await timers.idle();
    await timers.sweep();
    await timers.idle();
    const s = await spares();
    expect(s.map((d) => d.state)).toEqual(['running', 'running']);
    expect(new Set(s.map((d) => d.hostId))).toEqual(new Set(['h1', 'h2']));
    expect(hosts.creates()).toHaveLength(2);
    expect(hosts.creates()[0]!.body).toMatchObject({ driver: 'docker', spec: { image: 'deskport-desktop:latest', cpu: 1, memoryMb: 512 } });
  });

  it('a launch claims a spare at once and a replacement starts in the background', async () => {
    await timers.sweep();
    await timers.idle();
    await timers.sweep(); // the broker sweeps every second: spares are seen running before a claim
    const seen: SessionEvent[] = [];
    const { session } = await broker.launch(alice, pool.id, null);
    ctx.events.subscribe(session.id, { userId: alice.id, owner: true }, (e) => seen.push(e));
    expect(session.state).toBe('ready');
    const d = (await store.getDesktop(session.desktopId!))!;
    expect(d.ownerId).toBe(alice.id);
    expect(hosts.creates()).toHaveLength(2); // no create for the launch itself
    // The replacement waits REFILL_HOLD_MS from the sweep that saw the spare go: its start must not
    // take the CPU the claimed desktop needs for its first frame.
    await timers.sweep();
    await timers.idle();
    expect(hosts.creates()).toHaveLength(2);
    clock.advance(REFILL_HOLD_MS - 1);
    await timers.sweep();
    expect(hosts.creates()).toHaveLength(2);
    clock.advance(1);
    await timers.sweep();
    await timers.idle();
    expect(hosts.creates()).toHaveLength(3);
    expect(await spares()).toHaveLength(2);
  });

  it('claims that keep coming delay refills by the hold at a time, not for as long as they last', async () => {
    await store.updatePool(pool.id, { maxDesktops: 20 });
    await timers.sweep();
    await timers.idle();
    const created = hosts.creates().length;
    // One sweep a second for 8 s, with a launch claiming a spare before each sweep while there is one.
    const refilled: number[] = [];
    for (let i = 0; i < 8; i++) {
      if ((await spares()).some((d) => d.state === 'running')) {
        // One person each: a second launch of the same person resumes their session.
        const u = await store.createUser({ ...alice, id: `u-${i}`, username: `user${i}` });
        expect((await broker.launch(u, pool.id, null)).session.state).toBe('ready');
      }
      await timers.sweep();
      await timers.idle();
      refilled.push(hosts.creates().length - created);
      clock.advance(1_000);
    }
    // Both spares claimed at 0 and 1 s, the hold (from 0 s) ends at 3 s: both replaced; claimed again at 4
    // and 5 s, replaced at 7 s.
    expect(REFILL_HOLD_MS).toBe(3_000);
    expect(refilled).toEqual([0, 0, 0, 2, 2, 2, 2, 4]);
  });

  it('respects maxDesktops and shrinks when minWarm is lowered', async () => {
    await store.updatePool(pool.id, { minWarm: 10 });
    await timers.sweep();
    await timers.idle();
    expect(await spares()).toHaveLength(4);
    await store.updatePool(pool.id, { minWarm: 1 });
    await timers.sweep();
    await timers.idle();
    expect(await spares()).toHaveLength(1);
    expect(hosts.requests.filter((r) => r.body.type === 'desktop.destroy')).toHaveLength(3);
  });

  it('moves spares off a draining host', async () => {
    await timers.sweep();
    await timers.idle();
    await store.updateHost('h1', { state: 'draining' });
    await timers.sweep();
    await timers.idle();
    await timers.sweep();
    await timers.idle();
    const s = await spares();
    expect(s).toHaveLength(2);
    expect(s.every((d) => d.hostId === 'h2')).toBe(true);
  });

  it('backs off when spares keep failing instead of retrying every sweep', async () => {
    hosts.failCreate = 'image missing';
    for (let i = 0; i < 5; i++) {
      await timers.sweep();
      await timers.idle();
      clock.advance(1000);
    }
    expect(hosts.creates().length).toBeLessThanOrEqual(2);
    expect(await spares()).toHaveLength(0);
  });

  it('personal pools keep no spares (a home belongs to one person)', async () => {
    await store.updatePool(pool.id, { persistence: 'personal' });
    await timers.sweep();
    await timers.idle();
    expect(hosts.creates()).toHaveLength(0);
  });
});

describe('hosts and launches', () => {
  beforeEach(async () => {
    await store.updatePool(pool.id, { minWarm: 0 });
  });

  it('never places on draining or cordoned hosts; none left is no_capacity', async () => {
    await store.updateHost('h1', { state: 'cordoned' });
    await broker.launch(alice, pool.id, null);
    await broker.idle();
    expect(hosts.creates().map((c) => c.hostId)).toEqual(['h2']);
    await store.updateHost('h2', { state: 'draining' });
    const bob = await store.createUser({
      id: 'u-bob',
      username: 'bob',
      displayName: '',
      groups: [],
      disabled: false,
      passwordHash: null,
      roles: ['user'],
    });
    await expect(broker.launch(bob, pool.id, null)).rejects.toMatchObject({ kind: 'unavailable', code: 'no_capacity' });
  });

  it('forwards the host’s create steps to the launching session', async () => {
    const held = hosts.holdCreates();
    const { session } = await broker.launch(alice, pool.id, null);
    const seen: string[] = [];
    ctx.events.subscribe(session.id, { userId: alice.id, owner: true }, (e) => void (e.kind === 'progress' && seen.push(e.step)));
    await held.arrived;
    const starting = (await store.getSession(session.id))!;
    expect(starting.state).toBe('starting');
    await createHostEvents(ctx, broker).desktopProgress(starting.hostId!, {
      type: 'desktop.progress',
      desktopId: starting.desktopId!,
      step: 'waiting_display',
      message: 'Waiting for the display',
    });
    held.release();
    await broker.idle();
    expect(seen).toEqual(['queued', 'placing', 'creating', 'waiting_display', 'ready']);
  });

  it('launching again after the host was lost ends the lost session and starts afresh', async () => {
    const { session } = await broker.launch(alice, pool.id, null);
    await broker.idle();
    const first = (await store.getSession(session.id))!;
    const ev = createHostEvents(ctx, broker);
    hosts.connected.delete(first.hostId!);
    await ev.hostDisconnected(first.hostId!);
    expect((await store.getSession(first.id))!.state).toBe('lost');
    const again = await broker.launch(alice, pool.id, null);
    expect(again.created).toBe(true);
    expect(again.session.id).not.toBe(first.id);
    expect((await store.getSession(first.id))!.state).toBe('ended');
    await broker.idle();
    // The old desktop could not be reached: it is marked failed and destroyed when its host returns.
    const old = (await store.getDesktop(first.desktopId!))!;
    expect(old.state).toBe('failed');
    hosts.connected.add(first.hostId!);
    await ev.hostConnected((await store.getHost(first.hostId!))!, {
      type: 'hello',
      protocol: 'deskport.agent.v1',
      agentVersion: 't',
      name: 'x',
      drivers: ['docker'],
      capacity: { desktops: 3, cpu: 1, memoryMb: 1 },
      inventory: [{ desktopId: old.id, state: 'running', startedAt: 0 }],
    });
    expect((await store.getDesktop(old.id))!.state).toBe('gone');
  });
});
