// Scales and SVG paths for the dashboard's small charts (no chart library): a linear scale, a
// "nice" axis maximum, line paths that break at gaps (null), stacked series and their area bands.

export type Scale = (v: number) => number;

export function scaleLinear([d0, d1]: readonly [number, number], [r0, r1]: readonly [number, number]): Scale {
  const span = d1 - d0;
  if (span === 0) return () => (r0 + r1) / 2;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `v` (at least `floor`), so axis labels read well. */
export function niceMax(v: number, floor = 1): number {
  const target = Math.max(v, floor);
  if (!Number.isFinite(target) || target <= 0) return floor;
  const exp = 10 ** Math.floor(Math.log10(target));
  for (const m of [1, 2, 2.5, 5, 10]) {
    const candidate = m * exp;
    if (candidate >= target - 1e-9) return Number(candidate.toPrecision(12));
  }
  return 10 * exp;
}

/** `count` + 1 evenly spaced values from 0 to `max`. */
export function ticks(max: number, count = 2): number[] {
  return Array.from({ length: count + 1 }, (_, i) => Number(((max * i) / count).toPrecision(12)));
}

export interface XY {
  x: number;
  y: number | null;
}

const r = (n: number): string => String(Math.round(n * 10) / 10);

/** "M x y L x y …", starting a new segment after each gap; a lone point becomes a dot. */
export function linePath(points: readonly XY[], sx: Scale, sy: Scale): string {
  const parts: string[] = [];
  let segment: string[] = [];
  const flush = (): void => {
    // A lone point draws as a dot (round line caps).
    if (segment.length === 1) segment.push('h0.1');
    parts.push(...segment);
    segment = [];
  };
  for (const p of points) {
    if (p.y === null || !Number.isFinite(p.y)) {
      flush();
      continue;
    }
    segment.push(`${segment.length === 0 ? 'M' : 'L'}${r(sx(p.x))} ${r(sy(p.y))}`);
  }
  flush();
  return parts.join(' ');
}

/** Running totals: series[i][k] becomes the sum of series[0..i][k] (for a stacked area chart). */
export function stack(series: readonly (readonly number[])[]): number[][] {
  const out: number[][] = [];
  series.forEach((values, i) => {
    out.push(values.map((v, k) => v + (i > 0 ? (out[i - 1]![k] ?? 0) : 0)));
  });
  return out;
}

/** The band between `lower` and `upper` (same xs), closed: a stacked layer. */
export function bandPath(xs: readonly number[], lower: readonly number[], upper: readonly number[], sx: Scale, sy: Scale): string {
  if (xs.length === 0) return '';
  const top = xs.map((x, i) => `${i === 0 ? 'M' : 'L'}${r(sx(x))} ${r(sy(upper[i] ?? 0))}`);
  const bottom = xs.map((x, i) => `L${r(sx(x))} ${r(sy(lower[i] ?? 0))}`).reverse();
  return `${top.join(' ')} ${bottom.join(' ')} Z`;
}

/** Largest finite value (0 when none). */
export function maxOf(values: readonly (number | null)[]): number {
  let m = 0;
  for (const v of values) if (v !== null && Number.isFinite(v) && v > m) m = v;
  return m;
}
