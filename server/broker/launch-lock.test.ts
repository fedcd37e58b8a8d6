// One launch at a time per person across gateways sharing a store (a real SQLite store in memory; the
// lease methods pass the PostgreSQL contract too). Two "gateways" are two locks or two brokers on one
// store, with a SCRIPTED FAKE host control for the brokers (no agent, no desktops).
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import type { DomainError } from '../errors.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import { aHost, aPool, aUser } from '../store/store.fixtures.ts';
import type { Store } from '../store/types.ts';
import { createBroker } from './broker.ts';
import { createLaunchLock, LAUNCH_LEASE_MS } from './launch-lock.ts';
import { ScriptedHosts, testBrokerCtx } from './testing.ts';
import { createTickets } from './tickets.ts';

let store: Store;
afterEach(async () => store?.close());
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the launch lock', () => {
  it('lets one launch of a person run at a time across two gateways, and other people alongside', async () => {
    store = openSqliteStore({ file: ':memory:' });
    const clock = new ManualClock();
    const gateways = [createLaunchLock({ store, clock }), createLaunchLock({ store, clock })];
    const inside = new Map<string, number>();
    const most = new Map<string, number>();
    let together = 0;
    let mostTogether = 0;
    const section = async (user: string, n: number) => {
      inside.set(user, (inside.get(user) ?? 0) + 1);
      most.set(user, Math.max(most.get(user) ?? 0, inside.get(user)!));
      mostTogether = Math.max(mostTogether, ++together);
      await tick(n % 3); // store work of a launch, interleaving with the others
      together--;
      inside.set(user, inside.get(user)! - 1);
      return n;
    };
    const runs = Array.from({ length: 30 }, (_, n) => {
      const user = n % 2 ? 'u-alice' : 'u-bob';
      return gateways[n % 3 === 0 ? 0 : 1]!(user, () => section(user, n));
    });
    expect(await Promise.all(runs)).toEqual(Array.from({ length: 30 }, (_, n) => n));
    expect(most.get('u-alice')).toBe(1);
    expect(most.get('u-bob')).toBe(1);
    expect(mostTogether).toBe(2); // alice and bob did run at the same time
  });

  it("waits for another gateway's launch, gives up with launch_busy, and a dead gateway's lease runs out", async () => {
    store = openSqliteStore({ file: ':memory:' });
    const clock = new ManualClock();
    // Another gateway took alice's launch lease and died.
    expect(await store.acquireLease('launch:u-alice', 'launch-dead', clock.now(), clock.now() + LAUNCH_LEASE_MS)).toBe(true);
    const lock = createLaunchLock({ store, clock, waitMs: 300 });
    let ran = false;
    const refused = await lock('u-alice', async () => (ran = true)).catch((e: DomainError) => `${e.kind} ${e.code}`);
    expect(refused).toBe('unavailable launch_busy');
    expect(ran).toBe(false);
    expect(await lock('u-bob', async () => 'bob')).toBe('bob'); // only alice waits
    clock.advance(LAUNCH_LEASE_MS);
    expect(await lock('u-alice', async () => 'alice')).toBe('alice');
  });

  it('a launch that fails gives the lease back at once', async () => {
    store = openSqliteStore({ file: ':memory:' });
    const clock = new ManualClock();
    const [a, b] = [createLaunchLock({ store, clock, waitMs: 0 }), createLaunchLock({ store, clock, waitMs: 0 })];
    await expect(a('u-alice', async () => Promise.reject(new Error('no host')))).rejects.toThrow('no host');
    expect(await b('u-alice', async () => 'next')).toBe('next');
  });

  it('two brokers on one store: a double launch of the same pool starts one desktop, the other resumes it', async () => {
    store = openSqliteStore({ file: ':memory:' });
    const clock = new ManualClock();
    const alice = await store.createUser(aUser({ id: 'u-alice', username: 'alice' }));
    await store.createHost(aHost({ id: 'h1', drivers: ['process'], lastHeartbeatAt: clock.now() }));
    await store.createPool(aPool({ id: 'p1', driver: 'process', minWarm: 0, maxPerUser: 2 }));
    const brokers = [0, 1].map(() => {
      const ctx = testBrokerCtx(store, clock, new ScriptedHosts());
      return createBroker(ctx, createTickets({ store, clock, ttlS: 30 }));
    });
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(brokers.map((b) => b.launch(alice, 'p1', null)));
      expect(answers.filter((a) => a.created)).toHaveLength(1);
      expect(answers[0]!.session.id).toBe(answers[1]!.session.id);
      expect(await store.countLiveSessions({ userId: alice.id, kind: 'pool' })).toBe(1);
      await Promise.all(brokers.map((b) => b.idle()));
      await brokers[round % 2]!.end(answers[0]!.session.id, { username: 'alice' }, 'user');
    }
  });
});
