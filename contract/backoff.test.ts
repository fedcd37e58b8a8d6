import { describe, expect, it } from 'vitest';
import { nextDelay } from './backoff.ts';

describe('reconnect backoff', () => {
  it('grows exponentially from the base and stays under the cap', () => {
    expect(nextDelay(0, 500, 30_000, () => 1)).toBe(500);
    expect(nextDelay(3, 500, 30_000, () => 1)).toBe(4000);
    expect(nextDelay(50, 500, 30_000, () => 1)).toBe(30_000);
  });
  it('jitters within the upper half of the window', () => {
    expect(nextDelay(3, 500, 30_000, () => 0)).toBe(2000);
    const seen = new Set(Array.from({ length: 50 }, () => nextDelay(4)));
    expect(seen.size).toBeGreaterThan(10);
    for (const d of seen) (expect(d).toBeGreaterThanOrEqual(4000), expect(d).toBeLessThanOrEqual(8000));
  });
});
