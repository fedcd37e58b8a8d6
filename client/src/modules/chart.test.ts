import { describe, expect, it } from 'vitest';
import { bandPath, linePath, maxOf, niceMax, scaleLinear, stack, ticks } from './chart.ts';

describe('chart helpers', () => {
  it('scales linearly, including inverted ranges (SVG y grows downwards)', () => {
    const sy = scaleLinear([0, 10], [100, 0]);
    expect(sy(0)).toBe(100);
    expect(sy(10)).toBe(0);
    expect(sy(2.5)).toBe(75);
    expect(scaleLinear([5, 5], [0, 10])(5)).toBe(5);
  });

  it('rounds the axis maximum up to a readable value', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(3)).toBe(5);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(12)).toBe(20);
    expect(niceMax(22)).toBe(25);
    expect(niceMax(0.03, 0.1)).toBe(0.1);
    expect(niceMax(0.13, 0.1)).toBe(0.2);
    expect(ticks(10)).toEqual([0, 5, 10]);
  });

  it('breaks lines at gaps and draws a lone point as a dot', () => {
    const id = (v: number): number => v;
    expect(
      linePath(
        [
          { x: 0, y: 1 },
          { x: 1, y: 2 },
          { x: 2, y: null },
          { x: 3, y: 4 },
        ],
        id,
        id,
      ),
    ).toBe('M0 1 L1 2 M3 4 h0.1');
    expect(linePath([], id, id)).toBe('');
  });

  it('stacks series and closes the band between layers', () => {
    expect(
      stack([
        [1, 2],
        [3, 4],
        [0, 1],
      ]),
    ).toEqual([
      [1, 2],
      [4, 6],
      [4, 7],
    ]);
    const id = (v: number): number => v;
    expect(bandPath([0, 10], [1, 2], [4, 6], id, id)).toBe('M0 4 L10 6 L10 2 L0 1 Z');
    expect(maxOf([null, 3, 1])).toBe(3);
    expect(maxOf([])).toBe(0);
  });
});
