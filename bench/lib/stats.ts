// Small numeric helpers for the benchmarks: percentiles over samples, a growable sample buffer
// that does not allocate per sample, a monotonic microsecond clock shared by all processes on
// this machine (CLOCK_MONOTONIC via hrtime), and number formatting for the report.

/** Microseconds on CLOCK_MONOTONIC: the same clock in every process here, so stamps compare. */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export class Samples {
  private buf: Float64Array;
  length = 0;

  constructor(initial = 1024) {
    this.buf = new Float64Array(initial);
  }

  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }

  pushAll(other: Samples): void {
    for (let i = 0; i < other.length; i++) this.push(other.buf[i]!);
  }

  clear(): void {
    this.length = 0;
  }

  sorted(): Float64Array {
    return this.buf.slice(0, this.length).sort();
  }

  summary(): Summary {
    return summarize(this.sorted());
  }
}

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending array (q in 0..1). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(values: ArrayLike<number>): Summary {
  const s = Float64Array.from(values as ArrayLike<number>).sort();
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i]!;
  return {
    n: s.length,
    min: s.length ? s[0]! : NaN,
    p50: percentile(s, 0.5),
    p90: percentile(s, 0.9),
    p99: percentile(s, 0.99),
    max: s.length ? s[s.length - 1]! : NaN,
    mean: s.length ? sum / s.length : NaN,
  };
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** A fixed number of significant-looking digits: 1234 → "1234", 12.345 → "12.3", 0.01234 → "0.0123". */
export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 10 ** digits) return v.toFixed(0);
  if (a === 0) return '0';
  const d = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
  return v.toFixed(Math.min(d, 6));
}

export const MiB = 1024 * 1024;
export const KiB = 1024;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
