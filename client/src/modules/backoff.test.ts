import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

describe('reconnect backoff', () => {
  it('starts around half a second and doubles', () => {
    const mid = { baseMs: 500, maxMs: 8000, random: () => 1 };
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(n, mid))).toEqual([500, 1000, 2000, 4000, 8000]);
  });

  it('never waits longer than 8 s, however many tries', () => {
    expect(backoffDelay(50, { baseMs: 500, maxMs: 8000, random: () => 1 })).toBe(8000);
  });

  it('jitters within the upper half of each step', () => {
    expect(backoffDelay(3, { baseMs: 500, maxMs: 8000, random: () => 0 })).toBe(2000);
    const d = backoffDelay(3);
    expect(d).toBeGreaterThanOrEqual(2000);
    expect(d).toBeLessThanOrEqual(4000);
  });
});
