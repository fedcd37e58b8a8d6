import { describe, expect, it } from 'vitest';
import { frameAt } from './guacPlayer.ts';

describe('finding the .guac frame shown at a time', () => {
  const syncs = [1000, 1040, 3000, 3050, 9000];
  it('takes the last frame at or before the time, also inside an idle gap', () => {
    expect(frameAt(syncs, 0)).toBe(0);
    expect(frameAt(syncs, 39)).toBe(0);
    expect(frameAt(syncs, 40)).toBe(40);
    expect(frameAt(syncs, 5000)).toBe(2050);
    expect(frameAt(syncs, 99_999)).toBe(8000);
  });
  it('passes the time through when no frame is known yet', () => {
    expect(frameAt([], 1234)).toBe(1234);
  });
});
