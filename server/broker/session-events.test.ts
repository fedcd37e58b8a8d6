import { describe, expect, it } from 'vitest';
import {
  MAX_OTHER_STREAMS_PER_SESSION,
  MAX_STREAMS_PER_WATCHER,
  SessionEvents,
  type SessionEvent,
  type Subscription,
} from './session-events.ts';

const owner = { userId: 'u-owner', owner: true };
const staff = (n = 0) => ({ userId: `u-staff-${n}`, owner: false });
const ok = (s: Subscription) => {
  if (!s.ok) throw new Error(`refused: ${s.reason}`);
  return s;
};
const progress = (step: 'queued' | 'placing'): SessionEvent => ({ kind: 'progress', step, message: step, at: 1 });

describe('session event streams', () => {
  it('a late subscriber gets the progress so far, then live events', () => {
    const ev = new SessionEvents();
    ev.emit('s1', progress('queued'));
    const seen: SessionEvent[] = [];
    ok(ev.subscribe('s1', owner, (e) => seen.push(e)));
    ev.emit('s1', progress('placing'));
    expect(seen.map((e) => (e.kind === 'progress' ? e.step : e.kind))).toEqual(['queued', 'placing']);
  });

  it('one staff member beyond their own cap is refused; the owner still gets their stream', () => {
    const ev = new SessionEvents();
    for (let i = 0; i < MAX_STREAMS_PER_WATCHER; i++) ok(ev.subscribe('s1', staff(), () => undefined));
    const refused = ev.subscribe('s1', staff(), () => undefined);
    expect(refused).toMatchObject({ ok: false, reason: expect.stringMatching(/close some tabs/) });
    expect(ev.subscribe('s1', staff(1), () => undefined).ok).toBe(true); // someone else still may
    expect(ev.subscribe('s1', owner, () => undefined).ok).toBe(true);
  });

  it('staff filling the session’s streams never shut the owner out', () => {
    const ev = new SessionEvents();
    for (let i = 0; i < MAX_OTHER_STREAMS_PER_SESSION; i++) ok(ev.subscribe('s1', staff(i % 10), () => undefined));
    expect(ev.subscribe('s1', staff(11), () => undefined)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/too many event streams/),
    });
    const got: SessionEvent[] = [];
    ok(ev.subscribe('s1', owner, (e) => got.push(e)));
    ev.emit('s1', progress('queued'));
    expect(got).toHaveLength(1);
    // Another session is not affected at all.
    expect(ev.subscribe('s2', staff(11), () => undefined).ok).toBe(true);
  });

  it('the owner over their own cap replaces their oldest stream instead of being refused', () => {
    const ev = new SessionEvents();
    const evicted: number[] = [];
    const subs = Array.from({ length: MAX_STREAMS_PER_WATCHER }, (_, i) =>
      ok(ev.subscribe('s1', { ...owner, onEvicted: () => evicted.push(i) }, () => undefined)),
    );
    const newest: SessionEvent[] = [];
    ok(ev.subscribe('s1', owner, (e) => newest.push(e)));
    expect(evicted).toEqual([0]);
    expect(ev.count('s1')).toBe(MAX_STREAMS_PER_WATCHER);
    subs[0]!.unsubscribe(); // the evicted stream's own clean-up is harmless
    expect(ev.count('s1')).toBe(MAX_STREAMS_PER_WATCHER);
    ev.emit('s1', progress('queued'));
    expect(newest).toHaveLength(1);
  });

  it('unsubscribing frees the place; twice is harmless', () => {
    const ev = new SessionEvents();
    const subs = Array.from({ length: MAX_STREAMS_PER_WATCHER }, () => ok(ev.subscribe('s1', staff(), () => undefined)));
    expect(ev.subscribe('s1', staff(), () => undefined).ok).toBe(false);
    subs[3]!.unsubscribe();
    subs[3]!.unsubscribe();
    expect(ev.subscribe('s1', staff(), () => undefined).ok).toBe(true);
    for (const s of subs) s.unsubscribe();
    expect(ev.count('s1')).toBe(1);
  });
});
