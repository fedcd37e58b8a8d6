import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { addressKey, createThrottle } from './throttle.ts';

const opts = { maxFailures: 3, windowS: 900, lockS: 60, maxLockS: 600, resetAfterS: 3600, maxEntries: 100 };

describe('throttle', () => {
  it('lets a key fail up to the limit, then locks it for lockS', () => {
    const clock = new ManualClock();
    const t = createThrottle(clock, opts);
    expect(t.fail('alice')).toBe(0);
    expect(t.fail('alice')).toBe(0);
    expect(t.check('alice')).toBe(0);
    expect(t.fail('alice')).toBe(60);
    clock.advance(59_500);
    expect(t.check('alice')).toBe(1);
    clock.advance(500);
    expect(t.check('alice')).toBe(0);
  });

  it('keeps other keys unaffected', () => {
    const t = createThrottle(new ManualClock(), opts);
    for (let i = 0; i < 3; i++) t.fail('alice');
    expect(t.check('alice')).toBeGreaterThan(0);
    expect(t.check('bob')).toBe(0);
  });

  it('doubles each further lock while failures stay inside the window, up to maxLockS', () => {
    const clock = new ManualClock();
    const t = createThrottle(clock, { ...opts, windowS: 3600 });
    for (let i = 0; i < 3; i++) t.fail('k');
    const locks: number[] = [];
    for (let i = 0; i < 6; i++) {
      clock.advance(t.check('k') * 1000);
      locks.push(t.fail('k')); // one failure right after the lock re-locks: the window still holds 3
    }
    expect(locks).toEqual([120, 240, 480, 600, 600, 600]);
  });

  it('forgets failures that left the window', () => {
    const clock = new ManualClock();
    const t = createThrottle(clock, opts);
    t.fail('k');
    t.fail('k');
    clock.advance(901_000);
    expect(t.fail('k')).toBe(0);
    expect(t.size()).toBe(1);
  });

  it('remembers the doubling until resetAfterS of quiet', () => {
    const clock = new ManualClock();
    const t = createThrottle(clock, opts);
    for (let i = 0; i < 3; i++) t.fail('k'); // 60 s lock, strike 1
    clock.advance(1000_000); // window empty, but strikes kept
    for (let i = 0; i < 2; i++) t.fail('k');
    expect(t.fail('k')).toBe(120);
    clock.advance(3601_000 + 120_000);
    for (let i = 0; i < 2; i++) t.fail('k');
    expect(t.fail('k')).toBe(60);
  });

  it('succeed() clears the key', () => {
    const t = createThrottle(new ManualClock(), opts);
    for (let i = 0; i < 3; i++) t.fail('k');
    t.succeed('k');
    expect(t.check('k')).toBe(0);
    expect(t.size()).toBe(0);
  });

  it('never holds more than maxEntries keys, evicting the least recently failed', () => {
    const t = createThrottle(new ManualClock(), { ...opts, maxEntries: 10 });
    for (let i = 0; i < 1000; i++) t.fail(`user${i}`);
    expect(t.size()).toBe(10);
    for (let i = 0; i < 3; i++) t.fail('user995');
    expect(t.check('user995')).toBeGreaterThan(0);
    expect(t.size()).toBe(10);
  });

  it('drops stale entries when they are looked at', () => {
    const clock = new ManualClock();
    const t = createThrottle(clock, opts);
    t.fail('k');
    clock.advance(901_000);
    expect(t.check('k')).toBe(0);
    expect(t.size()).toBe(0);
  });
});

describe('addressKey', () => {
  it('keeps IPv4 addresses and buckets IPv6 by /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
