// Broker unit tests over a real in-memory SQLite store and a SCRIPTED FAKE host control (no agent,
// no desktops): it plays back create/destroy outcomes so the broker's rules can be checked alone.
import { DEFAULT_SESSION_POLICY } from '../../contract/api/policy.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import type { DomainError } from '../errors.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import type { Pool, Store, User } from '../store/types.ts';
import { createBroker, type Broker } from './broker.ts';
import { launchReady as launchReadyIn, ScriptedHosts, testBrokerCtx } from './testing.ts';
import { moveSession, type BrokerCtx } from './transitions.ts';
import type { SessionEvent } from './session-events.ts';
import { createTickets } from './tickets.ts';
import { createTimers } from './timers.ts';

let store: Store;
let clock: ManualClock;
let hosts: ScriptedHosts;
let broker: Broker;
let ctx: BrokerCtx;
let alice: User;
let bob: User;
let pool: Pool;
let ended: string[];

beforeEach(async () => {
  store = openSqliteStore({ file: ':memory:' });
  clock = new ManualClock();
  hosts = new ScriptedHosts();
  ended = [];
  ctx = testBrokerCtx(store, clock, hosts, { sessionEnded: (r) => void ended.push(r) });
  broker = createBroker(ctx, createTickets({ store, clock, ttlS: 30 }));
  const base = { displayName: '', groups: [], disabled: false, passwordHash: null, roles: ['user' as const] };
  alice = await store.createUser({ id: 'u-alice', username: 'alice', ...base });
  bob = await store.createUser({ id: 'u-bob', username: 'bob', ...base });
  await store.createHost({
    id: 'h1',
    name: 'host-1',
    labels: {},
    drivers: ['process'],
    capacity: { desktops: 2, cpu: 2, memoryMb: 2048 },
    state: 'online',
    credentialHash: 'x',
    lastHeartbeatAt: clock.now(),
    createdAt: clock.now(),
  });
  pool = await store.createPool({
    id: 'p1',
    name: 'Linux',
    description: '',
    driver: 'process',
    protocol: 'vnc',
    image: null,
    cpu: null,
    memoryMb: null,
    minWarm: 0,
    maxDesktops: 5,
    maxPerUser: 1,
    idleTimeoutS: 3600,
    graceS: 60,
    maxLifetimeS: 8 * 3600,
    persistence: 'pooled',
    placement: 'breadth',
    network: 'none',
    groups: [],
    shadowWithoutConsent: false,
    policy: DEFAULT_SESSION_POLICY,
    createdAt: clock.now(),
  });
});
afterEach(async () => store.close());

const launchReady = (user = alice) => launchReadyIn(broker, store, user, pool.id);

const code = async (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: DomainError) => `${e.kind} ${e.code}`,
  );

describe('launch', () => {
  it('starts a desktop on a host and reports progress in order', async () => {
    const { session, created } = await broker.launch(alice, pool.id, '127.0.0.1');
    expect(created).toBe(true);
    expect(session.state).toBe('starting');
    const seen: SessionEvent[] = [];
    ctx.events.subscribe(session.id, { userId: alice.id, owner: true }, (e) => seen.push(e));
    await broker.idle();
    const steps = seen.filter((e) => e.kind === 'progress').map((e) => (e.kind === 'progress' ? e.step : ''));
    expect(steps).toEqual(['queued', 'placing', 'creating', 'ready']);
    expect(seen.filter((e) => e.kind === 'state').at(-1)).toMatchObject({ kind: 'state', session: { state: 'ready', hostId: 'h1' } });
    const create = hosts.sent('desktop.create')[0];
    expect(create).toMatchObject({ driver: 'process', spec: { persistence: 'pooled' } });
    expect((await store.getDesktop((await store.getSession(session.id))!.desktopId!))?.state).toBe('running');
  });

  it('resumes the live session instead of starting a second one', async () => {
    const first = await launchReady();
    const again = await broker.launch(alice, pool.id, null);
    expect(again).toMatchObject({ created: false, session: { id: first.id } });
    expect(hosts.sent('desktop.create')).toHaveLength(1);
  });

  it('refuses unknown and unentitled pools (not found)', async () => {
    expect(await code(broker.launch(alice, 'nope', null))).toBe('not_found not_found');
    await store.updatePool(pool.id, { groups: ['g-staff'] });
    expect(await code(broker.launch(alice, pool.id, null))).toBe('not_found not_found');
    await store.updateUser(alice.id, { groups: ['g-staff'] });
    expect(await code(broker.launch((await store.getUser(alice.id))!, pool.id, null))).toBe('resolved');
  });

  it('enforces maxPerUser across pools and maxDesktops per pool', async () => {
    await launchReady();
    const other = await store.createPool({ ...pool, id: 'p2', name: 'Other', maxPerUser: 1 });
    expect(await code(broker.launch(alice, other.id, null))).toBe('conflict limit_reached');
    await store.updatePool(pool.id, { maxDesktops: 1 });
    expect(await code(broker.launch(bob, pool.id, null))).toBe('conflict pool_full');
  });

  it('is unavailable (no_capacity) when no connected host has room', async () => {
    hosts.connected.clear();
    expect(await code(broker.launch(alice, pool.id, null))).toBe('unavailable no_capacity');
    expect(await store.listSessions({ userId: alice.id })).toHaveLength(0);
  });

  it("says which driver is missing when no connected host runs the pool's driver", async () => {
    const qemu = await store.createPool({ ...pool, id: 'p-qemu', name: 'VMs', driver: 'qemu' });
    const err = await broker.launch(alice, qemu.id, null).catch((e: DomainError) => e);
    expect(err).toMatchObject({
      kind: 'unavailable',
      code: 'no_capacity',
      message: expect.stringContaining('No connected host runs qemu desktops'),
    });
  });

  it('fails the session with a readable error when the host cannot create the desktop', async () => {
    hosts.failCreate = 'Xvnc did not start';
    const { session } = await broker.launch(alice, pool.id, null);
    await broker.idle();
    const s = (await store.getSession(session.id))!;
    expect(s.state).toBe('failed');
    expect(s.error).toMatch(/Xvnc did not start.*Try again/);
    expect(hosts.sent('desktop.destroy')).not.toHaveLength(0);
  });

  it('destroys a desktop that finishes starting after the user already ended the session', async () => {
    const held = hosts.holdCreates();
    const { session } = await broker.launch(alice, pool.id, null);
    await held.arrived;
    await broker.end(session.id, { username: 'alice' }, 'user');
    held.release();
    await broker.idle();
    expect((await store.getSession(session.id))!.state).toBe('ended');
    const d = (await store.listDesktops({ poolId: pool.id }))[0]!;
    expect(d.state).toBe('gone');
  });
});

describe('ending and timers', () => {
  it('ending destroys the desktop, closes viewers and is idempotent', async () => {
    const s = await launchReady();
    const closed: string[] = [];
    ctx.viewers.add(s.id, { userId: alice.id, mode: 'control', close: (_c, r) => void closed.push(r) });
    await broker.end(s.id, { username: 'alice' }, 'user');
    await broker.end(s.id, { username: 'alice' }, 'user');
    expect((await store.getSession(s.id))!.state).toBe('ended');
    expect(closed).toEqual(['the session ended']);
    expect(hosts.sent('desktop.destroy')).toHaveLength(1);
    expect((await store.getDesktop(s.desktopId!))!.state).toBe('gone');
  });

  it('ends a session after the disconnect grace when nobody reconnects, not before', async () => {
    const s = await launchReady();
    const timers = createTimers(ctx, broker);
    clock.advance(59_000);
    await timers.sweep();
    expect((await store.getSession(s.id))!.state).toBe('ready');
    const v = { userId: alice.id, mode: 'control' as const, close: () => undefined };
    ctx.viewers.add(s.id, v);
    await broker.viewerAttached(s.id);
    clock.advance(120_000);
    await timers.sweep();
    expect((await store.getSession(s.id))!.state).toBe('ready');
    ctx.viewers.remove(s.id, v);
    await broker.viewerDetached(s.id);
    clock.advance(61_000);
    await timers.sweep();
    expect((await store.getSession(s.id))!.state).toBe('ended');
    expect(ended).toEqual(['disconnect_grace']);
  });

  it('ends idle sessions and sessions past their lifetime', async () => {
    await store.updatePool(pool.id, { idleTimeoutS: 600, graceS: 100_000 });
    const s = await launchReady();
    const timers = createTimers(ctx, broker);
    clock.advance(300_000);
    await timers.activity(s.id);
    clock.advance(500_000);
    await timers.sweep();
    expect((await store.getSession(s.id))!.state).toBe('ready');
    clock.advance(200_000);
    await timers.sweep();
    expect((await store.getSession(s.id))!.state).toBe('ended');
    await store.updatePool(pool.id, { idleTimeoutS: 0, maxLifetimeS: 1000 });
    const t = await launchReady(bob);
    clock.advance(1_001_000);
    await timers.sweep();
    expect((await store.getSession(t.id))!.state).toBe('ended');
    expect(ended).toEqual(['idle_timeout', 'max_lifetime']);
  });
  it('finishes an end its gateway left half done, once the sweeping gateway has seen it ending for 2 minutes', async () => {
    const s = await launchReady();
    await moveSession(ctx, s, 'ending'); // the gateway ending it died before destroying the desktop
    const timers = createTimers(ctx, broker);
    await timers.sweep(); // seen ending
    clock.advance(61_000);
    await timers.sweep();
    expect((await store.getSession(s.id))!.state).toBe('ending');
    expect(hosts.sent('desktop.destroy')).toHaveLength(0);
    clock.advance(61_000);
    await timers.sweep();
    expect((await store.getSession(s.id))!.state).toBe('ended');
    expect((await store.getDesktop(s.desktopId!))!.state).toBe('gone');
    expect(ended).toEqual(['end_left_half_done']);
  });
});

describe('tickets', () => {
  it('are issued only to the owner of a ready session, in the asked mode, and work once', async () => {
    const s = await launchReady();
    // Someone else's session is as unknown to them as a session that does not exist.
    expect(await code(broker.issueTicket(bob, s.id, 'control', null))).toBe('not_found not_found');
    expect(await code(broker.issueTicket(bob, 'no-such-session', 'control', null))).toBe('not_found not_found');
    // Staff see every session, so they are told why instead.
    expect(await code(broker.issueTicket({ ...bob, roles: ['helpdesk'] }, s.id, 'control', null))).toBe('forbidden forbidden');
    const t = await broker.issueTicket(alice, s.id, 'view', null);
    const first = await broker.redeem(t.ticket, null);
    expect(first).toMatchObject({ ok: true, mode: 'view', userId: alice.id, session: { id: s.id } });
    expect(await broker.redeem(t.ticket, null)).toMatchObject({ ok: false, kind: 'unauthenticated', code: 'ticket_unknown' });
  });

  it('expire after their TTL and refuse forgeries without touching the store', async () => {
    const s = await launchReady();
    const t = await broker.issueTicket(alice, s.id, 'control', null);
    clock.advance(30_001);
    expect(await broker.redeem(t.ticket, null)).toMatchObject({ ok: false, kind: 'unauthenticated', code: 'ticket_unknown' });
    expect(await broker.redeem('dpk_' + 'A'.repeat(43), null)).toMatchObject({
      ok: false,
      kind: 'unauthenticated',
      code: 'ticket_unknown',
    });
    expect(await broker.redeem('../../etc/passwd', null)).toMatchObject({ ok: false, kind: 'unauthenticated', code: 'ticket_malformed' });
    // Well-formed refusals are audited; junk is only counted (it would let anyone grow the audit log).
    const refusals = await store.listAudit({ action: 'ticket.refuse' });
    expect(refusals).toHaveLength(2);
  });

  it('stop working once the session ended or the user was disabled', async () => {
    const s = await launchReady();
    const t1 = await broker.issueTicket(alice, s.id, 'control', null);
    await store.updateUser(alice.id, { disabled: true });
    expect(await broker.redeem(t1.ticket, null)).toMatchObject({ ok: false, kind: 'forbidden', code: 'account_disabled' });
    await store.updateUser(alice.id, { disabled: false });
    const t2 = await broker.issueTicket(alice, s.id, 'control', null);
    await broker.end(s.id, { username: 'alice' }, 'user');
    expect(await broker.redeem(t2.ticket, null)).toMatchObject({ ok: false, kind: 'forbidden', code: 'session_not_ready' });
    expect(await code(broker.issueTicket(alice, s.id, 'control', null))).toBe('conflict session_not_ready');
  });
});

describe('personal pools', () => {
  let personal: Pool;
  beforeEach(async () => {
    await store.createHost({ ...(await store.getHost('h1'))!, id: 'h2', name: 'host-2', credentialHash: 'y' });
    hosts.connected.add('h2');
    await store.updatePool(pool.id, { maxPerUser: 2 });
    personal = await store.createPool({ ...pool, id: 'p-personal', name: 'My VM', persistence: 'personal', maxPerUser: 2 });
  });
  const launchPersonal = async (user = alice) => {
    const { session } = await broker.launch(user, personal.id, null);
    await broker.idle();
    return (await store.getSession(session.id))!;
  };
  /** Bob's pooled desktop on host-1, so placement alone would now pick host-2. */
  const loadHost1 = async () => expect((await launchReady(bob)).hostId).toBe('h1');

  it("go back to the host that holds the person's home, not where placement would put them", async () => {
    const first = await launchPersonal();
    expect(first).toMatchObject({ state: 'ready', hostId: 'h1' });
    await broker.end(first.id, { username: 'alice' }, 'user');
    await loadHost1();
    const again = await launchPersonal();
    expect(again).toMatchObject({ state: 'ready', hostId: 'h1' });
    expect(hosts.sent('desktop.create').at(-1)).toMatchObject({ spec: { persistence: 'personal', homeKey: alice.id } });
    // Someone new to the pool is placed as usual.
    expect((await launchPersonal(bob)).hostId).toBe('h2');
  });

  it('say why when the home host cannot take the desktop, and start nothing elsewhere', async () => {
    const first = await launchPersonal();
    await broker.end(first.id, { username: 'alice' }, 'user');
    const creates = hosts.sent('desktop.create').length;
    hosts.connected.delete('h1');
    await expect(broker.launch(alice, personal.id, null)).rejects.toMatchObject({
      kind: 'unavailable',
      code: 'home_host_unavailable',
      message: expect.stringMatching(/“host-1”, which is not connected right now/),
    });
    hosts.connected.add('h1');
    await store.updateHost('h1', { state: 'draining' });
    await expect(broker.launch(alice, personal.id, null)).rejects.toMatchObject({ message: expect.stringMatching(/\(draining\)/) });
    await store.updateHost('h1', { state: 'online', capacity: { desktops: 1, cpu: 2, memoryMb: 2048 } });
    await loadHost1();
    await expect(broker.launch(alice, personal.id, null)).rejects.toMatchObject({ message: expect.stringMatching(/no room/) });
    expect(hosts.sent('desktop.create')).toHaveLength(creates + 1); // only Bob's
    expect(await store.listSessions({ userId: alice.id, poolId: personal.id, state: ['starting', 'ready'] })).toEqual([]);
  });

  it('keep a lost session whose home host is away instead of ending it for a launch that cannot start', async () => {
    const first = await launchPersonal();
    await store.updateSession(first.id, { state: 'lost' });
    hosts.connected.delete('h1');
    await expect(broker.launch(alice, personal.id, null)).rejects.toMatchObject({ code: 'home_host_unavailable' });
    expect((await store.getSession(first.id))!.state).toBe('lost');
    expect(ended).toEqual([]);
  });

  it('a warm spare on a full home host gives way to the personal desktop', async () => {
    const first = await launchPersonal();
    await broker.end(first.id, { username: 'alice' }, 'user');
    await broker.idle();
    await store.updateHost('h1', { capacity: { desktops: 1, cpu: 2, memoryMb: 2048 } });
    const spare = await store.createDesktop({
      id: 'd-spare',
      poolId: pool.id,
      hostId: 'h1',
      state: 'running',
      ownerId: null,
      secret: 'spare-secret',
      error: null,
      createdAt: clock.now(),
      updatedAt: clock.now(),
    });
    const again = await launchPersonal();
    expect(again).toMatchObject({ state: 'ready', hostId: 'h1' });
    expect(hosts.sent('desktop.destroy')).toContainEqual(expect.objectContaining({ desktopId: spare.id }));
    expect((await store.getDesktop(spare.id))!.state).toBe('gone');
  });

  it('start anywhere once the home host is removed (its homes went with it), and ignore launches that never came up', async () => {
    hosts.failCreate = 'no image';
    const failed = await launchPersonal();
    expect(failed).toMatchObject({ state: 'failed', hostId: 'h1' });
    hosts.failCreate = null;
    await loadHost1();
    expect((await launchPersonal()).hostId).toBe('h2'); // the failed launch on host-1 holds no home
    const s = (await store.listSessions({ userId: alice.id, poolId: personal.id, state: ['ready'] }))[0]!;
    await broker.end(s.id, { username: 'alice' }, 'user');
    await broker.idle();
    await store.updateHost('h2', { state: 'offline' });
    for (const d of await store.listDesktops({ hostId: 'h2' })) await store.updateDesktop(d.id, { state: 'gone' });
    await store.deleteHost('h2');
    hosts.connected.delete('h2');
    expect((await launchPersonal()).hostId).toBe('h1');
  });
});
