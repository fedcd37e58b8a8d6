import { describe, expect, it } from 'vitest';
import { MediaClock } from './clock.ts';

describe('the playback clock', () => {
  it('advances with wall time times the speed, and stands still while paused', () => {
    let now = 1000;
    const c = new MediaClock(() => now);
    c.set(5000);
    expect(c.wallUntil(6000)).toBe(Infinity);
    c.start();
    now += 1000;
    expect(c.position()).toBe(6000);
    c.setSpeed(4);
    now += 500;
    expect(c.position()).toBe(8000);
    expect(c.wallUntil(10_000)).toBe(500);
    c.stop();
    now += 10_000;
    expect(c.position()).toBe(8000);
    expect(c.playing).toBe(false);
  });
});
