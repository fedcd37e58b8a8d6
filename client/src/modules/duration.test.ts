import { describe, expect, it } from 'vitest';
import { formatDuration, splitDuration, toSeconds } from './duration.ts';

describe('durations', () => {
  it('reads like a person would say it', () => {
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(600)).toBe('10 min');
    expect(formatDuration(3600)).toBe('1 h');
    expect(formatDuration(5400)).toBe('1 h 30 min');
    expect(formatDuration(43200)).toBe('12 h');
    expect(formatDuration(2 * 86400 + 4 * 3600 + 60)).toBe('2 d 4 h');
    expect(formatDuration(90)).toBe('1 min 30 s');
    expect(formatDuration(30 * 86400, { long: true })).toBe('30 days');
    expect(formatDuration(3660, { long: true })).toBe('1 hour 1 minute');
  });

  it('opens a form with the largest exact unit', () => {
    expect(splitDuration(3600)).toEqual({ value: '1', unit: 'h' });
    expect(splitDuration(5400)).toEqual({ value: '90', unit: 'min' });
    expect(splitDuration(86400)).toEqual({ value: '1', unit: 'd' });
    expect(splitDuration(45)).toEqual({ value: '45', unit: 's' });
    expect(splitDuration(0)).toEqual({ value: '0', unit: 'min' });
  });

  it('sends whole seconds and refuses what is not a number', () => {
    expect(toSeconds({ value: '1.5', unit: 'h' })).toBe(5400);
    expect(toSeconds({ value: ' 10 ', unit: 'min' })).toBe(600);
    expect(toSeconds({ value: '0', unit: 'd' })).toBe(0);
    expect(toSeconds({ value: '', unit: 'min' })).toBeUndefined();
    expect(toSeconds({ value: '-1', unit: 'min' })).toBeUndefined();
    expect(toSeconds({ value: 'soon', unit: 'min' })).toBeUndefined();
  });
});
