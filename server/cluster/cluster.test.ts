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
  /** `who` stands for the gateway the signals are for: killed, it neither sends nor hears (kill -9). */
  const signals = (who: string): Signals => ({
    shared: true,
    async publish(m) {
      if (dead.has(who)) return;
      sent.push(m);
      setImmediate(() => listeners.forEach((fn) => fn(m)));
    },
    async listen(fn) {
      const heard = (m: string) => dead.has(who) || fn(m);
      listeners.add(heard);
      return async () => void listeners.delete(heard);
    },
  });
  return { signals, sent, kill: (who: string) => dead.add(who), inject: (m: string) => listeners.forEach((fn) => fn(m)) };
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
    clock.advance(STALE_MS + 1);
    vi.advanceTimersByTime(HEARTBEAT_MS);
    await turn();
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
    for (const junk of ['not json', '{}', JSON.stringify({ g: 'gw-x', m: { t: 'viewers', counts: [['s-1', -5]] } })]) hub.inject(junk);
    hub.inject(JSON.stringify({ g: 'gw-x', m: { t: 'close', sel: { sessionId: 's-1', evil: true }, code: 4000, reason: 'x' } }));
    const v = viewer('u-bob');
    b.viewers.add('s-1', v);
    expect(v.closed).toEqual([]);
    expect(a.viewers.count('s-1')).toBe(0);
    await turn();
    expect(a.viewers.count('s-1')).toBe(1);
  });

  it('on SQLite (no other gateway) sends nothing and is settled at once', async () => {
    const events = new SessionEvents();
    const cluster = createCluster({
      gatewayId: 'gw-1',
      signals: {
        shared: false,
        publish: () => Promise.reject(new Error('nothing to publish to')),
        listen: () => Promise.reject(new Error('no')),
      },
      clock: new ManualClock(),
      log: silentLogger(),
      events,
      viewers: () => viewers,
    });
    const viewers = new Viewers({ ...cluster.viewersHooks, settled: cluster.settled });
    await cluster.start();
    viewers.add('s-1', viewer('u-bob'));
    events.emit('s-1', { kind: 'progress', step: 'placing', message: 'x', at: 1 });
    expect(viewers.settled()).toBe(true);
    await cluster.stop();
  });
});
