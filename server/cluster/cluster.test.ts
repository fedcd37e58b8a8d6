// Two gateways' clusters over a fake signal hub that stands in for PostgreSQL's NOTIFY (delivers to
// every listener, the sender too, a turn later); cluster.integration.test.ts runs them on the real one.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../clock.ts';
import { silentLogger } from '../log.ts';
import { SessionEvents, type SessionEvent } from '../broker/session-events.ts';
import { Viewers, type Viewer } from '../broker/viewers.ts';
import type { Signals } from '../store/signal-types.ts';
import { createCluster, HEARTBEAT_MS, STALE_MS } from './cluster.ts';

function fakeSignalHub() {
  const listeners = new Set<(m: string) => void>();
  const sent: string[] = [];
  const dead = new Set<string>();
  const deaf = new Set<string>();
  const gaps = new Map<string, () => void>();
  /** `who` stands for the gateway the signals are for: killed, it neither sends nor hears (kill -9); deaf, it only sends. */
  const signals = (who: string): Signals => ({
    shared: true,
    async publish(m) {
      if (dead.has(who)) return;
      sent.push(m);
      setImmediate(() => listeners.forEach((fn) => fn(m)));
    },
    async listen(fn, onGap) {
      const heard = (m: string) => dead.has(who) || deaf.has(who) || fn(m);
      listeners.add(heard);
      if (onGap) gaps.set(who, onGap);
      return async () => void listeners.delete(heard);
    },
  });
  return {
    signals,
    sent,
    kill: (who: string) => dead.add(who),
    deafen: (who: string) => deaf.add(who),
    /** The listener of `who` was away and is back. */
    reconnect: (who: string) => (deaf.delete(who), gaps.get(who)?.()),
    inject: (m: string) => listeners.forEach((fn) => fn(m)),
  };
}

const turn = () => new Promise((r) => setImmediate(r));

function gateway(id: string, hub: ReturnType<typeof fakeSignalHub>, clock: ManualClock) {
  const events = new SessionEvents();
  const emptied: string[] = [];
  const cluster = createCluster({
    gatewayId: id,
    signals: hub.signals(id),
    clock,
    log: silentLogger(),
    events,
    viewers: () => viewers,
    onEmptied: (ids) => emptied.push(...ids),
  });
  const viewers = new Viewers({ ...cluster.viewersHooks, settled: cluster.settled });
  return { events, viewers, cluster, emptied };
}

function viewer(userId: string, shadowId?: string): Viewer & { closed: [number, string][] } {
  const closed: [number, string][] = [];
  return { userId, mode: 'control', ...(shadowId ? { shadowId } : {}), closed, close: (code, reason) => closed.push([code, reason]) };
}

describe('gateways sharing a store', () => {
  const started: { cluster: { stop(): Promise<void> } }[] = [];
  afterEach(async () => {
    for (const g of started.splice(0)) await g.cluster.stop();
    vi.useRealTimers();
  });
  async function two() {
    const hub = fakeSignalHub();
    const clock = new ManualClock();
    const a = gateway('gw-a', hub, clock);
    const b = gateway('gw-b', hub, clock);
    await a.cluster.start();
    await b.cluster.start();
    started.push(a, b);
    await turn();
    return { hub, clock, a, b };
  }

  it('a session event on one gateway reaches the streams on the other, once, and not its observers', async () => {
    const { a, b } = await two();
    const onA: SessionEvent[] = [];
    const onB: SessionEvent[] = [];
    const observedOnB: string[] = [];
    b.events.observe((sessionId) => observedOnB.push(sessionId));
    a.events.subscribe('s-1', { userId: 'u', owner: true }, (e) => onA.push(e));
    b.events.subscribe('s-1', { userId: 'u', owner: true }, (e) => onB.push(e));
    a.events.emit('s-1', { kind: 'progress', step: 'placing', message: 'Choosing a host', at: 1 });
    await turn();
    expect(onA).toHaveLength(1);
    expect(onB).toEqual(onA);
    expect(observedOnB).toEqual([]);
    // A stream opened later on the other gateway still gets the launch's steps so far.
    const late: SessionEvent[] = [];
    b.events.subscribe('s-1', { userId: 'u', owner: true }, (e) => late.push(e));
    expect(late).toEqual(onA);
  });

  it('counts the displays of every gateway, and closes a display on the gateway that holds it', async () => {
    const { a, b } = await two();
    const v = viewer('u-bob');
    a.viewers.add('s-1', v);
    await turn();
    expect(b.viewers.count('s-1')).toBe(1);
    expect(b.viewers.total()).toBe(0); // metrics count this gateway's own
    const closedHere = b.viewers.close({ sessionId: 's-1' }, 4000, 'the session ended');
    expect(closedHere).toBe(0);
    await turn();
    expect(v.closed).toEqual([[4000, 'the session ended']]);
    a.viewers.remove('s-1', v);
    await turn();
    expect(b.viewers.count('s-1')).toBe(0);
  });

  it('closes only what the selector picks: a shadow, or one person’s helpdesk displays', async () => {
    const { a, b } = await two();
    const owner = viewer('u-bob');
    const helper = viewer('u-hank', 'sh-1');
    const other = viewer('u-hank');
    a.viewers.add('s-1', owner);
    a.viewers.add('s-1', helper);
    a.viewers.add('s-2', other);
    b.viewers.closeShadow('s-1', 'sh-1', 4001, 'the shadow session ended');
    b.viewers.close({ userId: 'u-hank', shadowsOnly: true }, 4011, 'you no longer have the helpdesk role');
    await turn();
    expect(helper.closed.map(([c]) => c)).toEqual([4001, 4011]);
    expect(owner.closed).toEqual([]);
    expect(other.closed).toEqual([]);
  });

  it('forgets the displays of a gateway that went silent, and says which sessions have none left', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { hub, clock, a, b } = await two();
    a.viewers.add('s-1', viewer('u-bob'));
    await turn();
    expect(b.viewers.count('s-1')).toBe(1);
    // While A keeps repeating its counts, B keeps them.
    for (let t = 0; t < STALE_MS * 2; t += HEARTBEAT_MS) {
      clock.advance(HEARTBEAT_MS);
      vi.advanceTimersByTime(HEARTBEAT_MS);
      await turn();
    }
    expect(b.viewers.count('s-1')).toBe(1);
    expect(b.cluster.peers()).toEqual(['gw-a']);
    // A dies without a word (kill -9): its counts age out at B's next heartbeat past STALE_MS.
    hub.kill('gw-a');
    for (let t = 0; t <= STALE_MS; t += HEARTBEAT_MS) {
      expect(b.viewers.count('s-1')).toBe(1);
      clock.advance(HEARTBEAT_MS);
      vi.advanceTimersByTime(HEARTBEAT_MS);
      await turn();
    }
    expect(b.viewers.count('s-1')).toBe(0);
    expect(b.emptied).toEqual(['s-1']);
    expect(b.cluster.peers()).toEqual([]);
  });

  it('forgets a gateway’s displays as soon as it says goodbye', async () => {
    const { a, b } = await two();
    a.viewers.add('s-1', viewer('u-bob'));
    await turn();
    await a.cluster.stop();
    await turn();
    expect(b.viewers.count('s-1')).toBe(0);
    expect(b.emptied).toEqual(['s-1']);
  });

  it('is not settled until it has listened long enough to have heard every gateway', async () => {
    const { clock, b } = await two();
    expect(b.viewers.settled()).toBe(false);
    clock.advance(STALE_MS);
    expect(b.viewers.settled()).toBe(true);
  });

  it('drops a malformed message and goes on with the next', async () => {
    const { hub, a, b } = await two();
    const v = viewer('u-bob');
    a.viewers.add('s-1', v);
    b.viewers.add('s-1', viewer('u-ann'));
    await turn();
    expect(a.viewers.count('s-1')).toBe(2);
    const from = (m: unknown) => JSON.stringify({ g: 'gw-b', m });
    for (const junk of [
      'not json',
      '{}',
      from({ t: 'viewers', counts: [['s-1', 1.5]] }),
      from({ t: 'viewers', counts: [['s-1', 2_000_000]] }),
      from({ t: 'close', sel: { sessionId: 's-1', evil: true }, code: 4000, reason: 'x' }),
      from({ t: 'close', sel: {}, code: 4000, reason: 'every display' }),
      from({ t: 'close', sel: { shadowsOnly: true }, code: 4000, reason: 'every helper' }),
      from({ t: 'surprise' }),
    ])
      hub.inject(junk);
    expect(v.closed).toEqual([]);
    expect(a.viewers.count('s-1')).toBe(2);
    hub.inject(from({ t: 'close', sel: { sessionId: 's-1' }, code: 4000, reason: 'the session ended' }));
    expect(v.closed).toEqual([[4000, 'the session ended']]);
  });

  it('a listener that throws does not stop the next message', async () => {
    const { a, b } = await two();
    b.events.subscribe('s-1', { userId: 'u', owner: true }, () => {
      throw new Error('a broken stream');
    });
    a.events.emit('s-1', { kind: 'progress', step: 'placing', message: 'x', at: 1 });
    a.viewers.add('s-2', viewer('u-bob'));
    await turn();
    expect(b.viewers.count('s-2')).toBe(1);
  });

  it('deaf (not even hearing itself), it keeps the others’ counts and is not settled; after the gap its streams restart', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { hub, clock, a, b } = await two();
    a.viewers.add('s-1', viewer('u-bob'));
    clock.advance(STALE_MS);
    vi.advanceTimersByTime(HEARTBEAT_MS);
    await turn();
    expect(b.viewers.settled()).toBe(true);
    hub.deafen('gw-b');
    for (let t = 0; t <= STALE_MS * 2; t += HEARTBEAT_MS) {
      clock.advance(HEARTBEAT_MS);
      vi.advanceTimersByTime(HEARTBEAT_MS);
      await turn();
    }
    // A goes on (its counts would be refreshed if B could hear them): B must not take its own deafness for A's death.
    expect(b.viewers.count('s-1')).toBe(1);
    expect(b.emptied).toEqual([]);
    expect(b.viewers.settled()).toBe(false);
    let restarted = 0;
    b.events.subscribe('s-1', { userId: 'u', owner: true, onRestart: () => restarted++ }, () => undefined);
    hub.reconnect('gw-b');
    expect(restarted).toBe(1);
    expect(b.viewers.settled()).toBe(false); // a whole round must be heard again first
    for (let t = 0; t <= STALE_MS; t += HEARTBEAT_MS) {
      clock.advance(HEARTBEAT_MS);
      vi.advanceTimersByTime(HEARTBEAT_MS);
      await turn();
    }
    expect(b.viewers.settled()).toBe(true);
    expect(b.viewers.count('s-1')).toBe(1);
  });

  it('after its goodbye a gateway sends nothing, and a message of it that arrives late is dropped', async () => {
    const { hub, a, b } = await two();
    const v = viewer('u-bob');
    a.viewers.add('s-1', v);
    await turn();
    await a.cluster.stop();
    const sentBefore = hub.sent.length;
    a.viewers.remove('s-1', v);
    a.viewers.close({ sessionId: 's-9' }, 4000, 'x');
    await turn();
    expect(hub.sent.length).toBe(sentBefore);
    hub.inject(JSON.stringify({ g: 'gw-a', m: { t: 'viewers', counts: [['s-1', 1]] } }));
    expect(b.viewers.count('s-1')).toBe(0);
  });

  it('on SQLite (no other gateway) sends nothing and is settled at once', async () => {
    const events = new SessionEvents();
    const calls: string[] = [];
    const cluster = createCluster({
      gatewayId: 'gw-1',
      signals: {
        shared: false,
        publish: async (m) => void calls.push(m),
        listen: async () => (calls.push('listen'), async () => undefined),
      },
      clock: new ManualClock(),
      log: silentLogger(),
      events,
      viewers: () => viewers,
    });
    const viewers = new Viewers({ ...cluster.viewersHooks, settled: cluster.settled });
    await cluster.start();
    viewers.add('s-1', viewer('u-bob'));
    viewers.closeAll('s-1', 4000, 'x');
    events.emit('s-1', { kind: 'progress', step: 'placing', message: 'x', at: 1 });
    await cluster.stop();
    expect(calls).toEqual([]);
    expect(viewers.settled()).toBe(true);
  });
});
