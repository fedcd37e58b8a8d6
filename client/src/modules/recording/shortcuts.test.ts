import { describe, expect, it } from 'vitest';
import { actionFor, clockTime, skipTarget } from './shortcuts.ts';

const key = (k: string, o: Partial<{ shiftKey: boolean; ctrlKey: boolean }> = {}) => ({
  key: k,
  shiftKey: o.shiftKey ?? false,
  ctrlKey: o.ctrlKey ?? false,
  altKey: false,
  metaKey: false,
});

describe('player shortcuts', () => {
  it('space plays/pauses, arrows skip 10 s, with shift 60 s, number keys pick the speed', () => {
    expect(actionFor(key(' '), 1000)).toEqual({ kind: 'toggle' });
    expect(actionFor(key('ArrowLeft'), 1000)).toEqual({ kind: 'skip', ms: -10_000 });
    expect(actionFor(key('ArrowRight', { shiftKey: true }), 1000)).toEqual({ kind: 'skip', ms: 60_000 });
    expect(actionFor(key('1'), 1000)).toEqual({ kind: 'speed', speed: 0.5 });
    expect(actionFor(key('5'), 1000)).toEqual({ kind: 'speed', speed: 8 });
  });
  it('leaves other keys and browser shortcuts alone', () => {
    expect(actionFor(key('6'), 1000)).toBeUndefined();
    expect(actionFor(key('a'), 1000)).toBeUndefined();
    expect(actionFor(key('ArrowLeft', { ctrlKey: true }), 1000)).toBeUndefined();
  });
  it('skips stay inside the recording', () => {
    expect(skipTarget(5_000, -10_000, 60_000)).toBe(0);
    expect(skipTarget(55_000, 10_000, 60_000)).toBe(60_000);
    expect(skipTarget(30_000, 10_000, 60_000)).toBe(40_000);
    expect(skipTarget(30_000, -Infinity, 60_000)).toBe(0);
  });
  it('shows times as m:ss or h:mm:ss', () => {
    expect(clockTime(0)).toBe('0:00');
    expect(clockTime(723_400)).toBe('12:03');
    expect(clockTime(3_723_000)).toBe('1:02:03');
  });
});
