// The access guard over a real in-memory SQLite store, the real broker and shadows, and a SCRIPTED
// FAKE host control (no desktops): who loses what when an account, its groups or roles, or a
// pool's groups change. The real displays are checked end to end in test/integration/access.test.ts.
import { DEFAULT_SESSION_POLICY } from '../../contract/api/policy.ts';
import { DisplayClose } from '../../contract/display.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import type { Pool, Store, TicketMode, User } from '../store/types.ts';
import type { AccessChanges } from '../auth/deps.ts';
import { createAccessGuard } from './access.ts';
import { createBroker, type Broker } from './broker.ts';
import { ScriptedHosts, testBrokerCtx } from './testing.ts';
import type { BrokerCtx } from './transitions.ts';
import { createShadows, type Shadows } from './shadows.ts';
import { createTickets } from './tickets.ts';

const by = { actor: 'root', ip: '127.0.0.1', cause: 'test' };

let store: Store;
let ctx: BrokerCtx;
let broker: Broker;
let shadows: Shadows;
let guard: AccessChanges;
let alice: User;
let bob: User;
let hank: User;
let pool: Pool;

/** A display as the endpoint registers it, remembering how it was closed. */
function display(sessionId: string, user: User, mode: TicketMode = 'control', shadowId?: string) {
  const v = {
    userId: user.id,
    mode,
    ...(shadowId ? { shadowId } : {}),
    closed: [] as [number, string][],
    close(code: number, reason: string) {
      v.closed.push([code, reason]);
      ctx.viewers.remove(sessionId, v);
    },
  };
  ctx.viewers.add(sessionId, v);
  return v;
}

async function launchReady(user: User) {
  const { session } = await broker.launch(user, pool.id, null);
  await broker.idle();
  return (await store.getSession(session.id))!;
}

beforeEach(async () => {
  store = openSqliteStore({ file: ':memory:' });
  const clock = new ManualClock();
  ctx = testBrokerCtx(store, clock, new ScriptedHosts());
  shadows = createShadows(ctx);
  broker = createBroker(ctx, createTickets({ store, clock, ttlS: 30 }), shadows);
  guard = createAccessGuard({ store, audit: ctx.audit, log: ctx.log, viewers: ctx.viewers, shadows, endSession: broker.end });
  await store.createGroup({ id: 'g-eng', name: 'engineering', description: '' });
  await store.createGroup({ id: 'g-ops', name: 'operations', description: '' });
  const base = { displayName: '', disabled: false, passwordHash: null, createdAt: 0 };
  alice = await store.createUser({ id: 'u-alice', username: 'alice', roles: ['user'], groups: ['g-eng'], ...base });
  bob = await store.createUser({ id: 'u-bob', username: 'bob', roles: ['user'], groups: ['g-eng', 'g-ops'], ...base });
  hank = await store.createUser({ id: 'u-hank', username: 'hank', roles: ['helpdesk'], groups: [], ...base });
  await store.createHost({
    id: 'h1',
    name: 'host-1',
    labels: {},
    drivers: ['process'],
    capacity: { desktops: 8, cpu: 2, memoryMb: 2048 },
    state: 'online',
    credentialHash: 'x',
    lastHeartbeatAt: 0,
    createdAt: 0,
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
    maxPerUser: 2,
    idleTimeoutS: 3600,
    graceS: 600,
    maxLifetimeS: 0,
    persistence: 'pooled',
    placement: 'breadth',
    network: 'none',
    groups: ['g-eng'],
    shadowWithoutConsent: true,
    policy: DEFAULT_SESSION_POLICY,
    createdAt: 0,
  });
});
afterEach(async () => store.close());

describe('the access guard', () => {
  it('a disabled user: displays closed with the account code, sessions ended at once, sign-ins and tokens revoked, audited; others untouched', async () => {
    const mine = await launchReady(alice);
    const theirs = await launchReady(bob);
    const aliceView = display(mine.id, alice);
    const bobView = display(theirs.id, bob);
    await store.createWebSession({
      hash: 'h-alice',
      id: 'w1',
      userId: alice.id,
      createdAt: 0,
      lastSeenAt: 0,
      expiresAt: 1e15,
      ip: null,
      userAgent: null,
    });
    await store.createApiToken({ id: 't1', userId: alice.id, name: 'script', hash: 'th', createdAt: 0, expiresAt: null, lastUsedAt: null });

    await store.updateUser(alice.id, { disabled: true });
    await guard.userChanged(alice.id, by);

    expect(aliceView.closed).toEqual([[DisplayClose.AccountDisabled, 'your account was disabled']]);
    expect(bobView.closed).toEqual([]);
    expect(await store.getSession(mine.id)).toMatchObject({ state: 'ended', error: 'Your account was disabled by an administrator.' });
    expect((await store.getSession(theirs.id))?.state).toBe('ready');
    expect(await store.listWebSessionsOfUser(alice.id)).toEqual([]);
    expect(await store.listApiTokensOfUser(alice.id)).toEqual([]);
    const [row] = await store.listAudit({ action: 'user.access_revoked' });
    expect(row).toMatchObject({
      actor: 'root',
      target: alice.id,
      details: { reason: 'disabled', cause: 'test', displaysClosed: 1, sessionsEnded: [mine.id], webSessionsRevoked: 1, tokensRevoked: 1 },
    });
    expect((await store.listAudit({ action: 'session.end' }))[0]).toMatchObject({
      target: mine.id,
      details: { reason: 'account_disabled' },
    });
  });

  it('losing the last group a pool allows ends that session (no grace) but keeps the person signed in', async () => {
    const mine = await launchReady(alice);
    const theirs = await launchReady(bob);
    const aliceView = display(mine.id, alice);
    const bobView = display(theirs.id, bob);
    await store.createWebSession({
      hash: 'h-alice',
      id: 'w1',
      userId: alice.id,
      createdAt: 0,
      lastSeenAt: 0,
      expiresAt: 1e15,
      ip: null,
      userAgent: null,
    });

    await store.updateUser(alice.id, { groups: ['g-ops'] });
    await guard.userChanged(alice.id, by);

    expect(aliceView.closed).toEqual([[DisplayClose.AccessRevoked, 'you no longer have access to this desktop']]);
    expect(bobView.closed).toEqual([]);
    expect((await store.getSession(mine.id))?.state).toBe('ended');
    expect((await store.getSession(theirs.id))?.state).toBe('ready');
    expect(await store.listWebSessionsOfUser(alice.id)).toHaveLength(1);
    expect((await store.listAudit({ action: 'user.access_revoked' }))[0]?.details).toMatchObject({
      reason: 'not_entitled',
      sessionsEnded: [{ sessionId: mine.id, poolId: pool.id }],
    });
  });

  it('a pool narrowed to other groups: only its members keep their desktops; nothing happens when nobody lost out', async () => {
    const mine = await launchReady(alice);
    const theirs = await launchReady(bob);
    await guard.poolChanged(pool.id, by);
    expect(await store.listAudit({ action: 'user.access_revoked' })).toEqual([]);
    await store.updatePool(pool.id, { groups: ['g-ops'] });
    await guard.poolChanged(pool.id, by);
    expect((await store.getSession(mine.id))?.state).toBe('ended');
    expect((await store.getSession(theirs.id))?.state).toBe('ready');
  });

  it('a helpdesk user disabled or stripped of the role loses their shadow displays; the owner keeps theirs', async () => {
    const s = await launchReady(bob);
    const ownerView = display(s.id, bob);
    const sh = await shadows.request(hank, s, pool, 'view', 'ticket #1', null);
    const shadowView = display(s.id, hank, 'view', sh.id);

    await store.updateUser(hank.id, { roles: ['user'] });
    await guard.userChanged(hank.id, by);

    expect(shadowView.closed[0]).toEqual([DisplayClose.AccessRevoked, 'you no longer have the helpdesk role']);
    expect((await shadows.get(bob, sh.id)).state).toBe('ended');
    expect(ownerView.closed).toEqual([]);
    expect((await store.getSession(s.id))?.state).toBe('ready');

    await store.updateUser(hank.id, { roles: ['helpdesk'], disabled: true });
    const again = await shadows.request({ ...hank, roles: ['helpdesk'] }, s, pool, 'view', 'ticket #2', null);
    const second = display(s.id, hank, 'view', again.id);
    await guard.userChanged(hank.id, by);
    expect(second.closed[0]).toEqual([DisplayClose.AccountDisabled, 'your account was disabled']);
    expect((await shadows.get(bob, again.id)).state).toBe('ended');
    expect(ownerView.closed).toEqual([]);
  });

  it('a deleted user: displays closed, sessions ended, audited as deleted', async () => {
    const mine = await launchReady(alice);
    const v = display(mine.id, alice);
    await store.deleteUser(alice.id);
    await guard.userChanged(alice.id, by);
    expect(v.closed).toEqual([[DisplayClose.AccountDisabled, 'your account was deleted']]);
    expect((await store.getSession(mine.id))?.state).toBe('ended');
    expect((await store.listAudit({ action: 'user.access_revoked' }))[0]?.details).toMatchObject({ reason: 'deleted' });
  });

  it('the session end closes what the guard left open with the ordinary code', async () => {
    const s = await launchReady(alice);
    const other = display(s.id, bob); // stands in for a helpdesk shadow of alice's session
    await store.updateUser(alice.id, { disabled: true });
    await guard.userChanged(alice.id, by);
    expect(other.closed[0]?.[0]).toBe(DisplayClose.SessionEnded);
  });
});
