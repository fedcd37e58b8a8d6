import { describe, expect, it } from 'vitest';
import { JitterBuffer, samplesOf } from './jitter.ts';

const RATE = 48_000;
const ramp = (n: number, start = 0): Int16Array => Int16Array.from({ length: n }, (_, i) => start + i);
const pull = (b: JitterBuffer, n = 128): Float32Array => {
  const out = new Float32Array(n).fill(NaN);
  b.pull(out);
  return out;
};

describe('the jitter buffer', () => {
  it('plays silence until targetMs is buffered, then the samples in order', () => {
    const b = new JitterBuffer({ rate: RATE, targetMs: 10, maxMs: 100 }); // 480 samples
    b.push(ramp(400));
    expect([...pull(b)].every((x) => x === 0)).toBe(true);
    expect(b.stats().playing).toBe(false);
    b.push(ramp(100, 400));
    const out = pull(b);
    expect(out[0]).toBe(0);
    expect(out[127]).toBeCloseTo(127 / 32768, 9);
    expect(b.stats().bufferedMs).toBeCloseTo((500 - 128) / 48, 6);
  });

  it('an underrun fills with silence, counts, and primes again', () => {
    const b = new JitterBuffer({ rate: RATE, targetMs: 1, maxMs: 100 }); // 48 samples
    b.push(ramp(100, 1));
    const out = pull(b);
    expect(out[99]).toBeCloseTo(100 / 32768, 9);
    expect(out[100]).toBe(0);
    expect(b.stats()).toMatchObject({ underruns: 1, playing: false });
    b.push(ramp(10));
    expect(b.stats().playing).toBe(false); // 10 < 48: still priming
  });

  it('never holds more than maxMs: the oldest samples go, back down to targetMs', () => {
    const b = new JitterBuffer({ rate: RATE, targetMs: 10, maxMs: 50 }); // 480 / 2400 samples
    b.push(ramp(2000));
    b.push(ramp(1000, 2000)); // 3000 > 2400: cut to the newest 480
    expect(b.stats().bufferedMs).toBeCloseTo(10, 6);
    expect(b.stats().droppedSamples).toBe(2520);
    expect(pull(b)[0]).toBeCloseTo(2520 / 32768, 9);
  });

  it('a delay that lingers above target + slack is cut back to the target once it held for settleMs', () => {
    const b = new JitterBuffer({ rate: 1000, targetMs: 20, maxMs: 200, slackMs: 10, settleMs: 50 });
    b.push(ramp(100)); // 100 ms: above 20 + 10, under the 200 ms cap
    for (let i = 0; i < 4; i++) pull(b, 10); // 40 ms played, still 60 ms queued: not yet settled
    expect(b.stats().bufferedMs).toBe(60);
    pull(b, 10); // 50 ms above the slack: cut to 20 ms
    expect(b.stats().bufferedMs).toBe(20);
    expect(pull(b, 1)[0]).toBeCloseTo(80 / 32768, 9);
  });

  it('takes a burst larger than its ring without failing', () => {
    const b = new JitterBuffer({ rate: 1000, targetMs: 10, maxMs: 50 });
    b.push(ramp(20_000));
    expect(b.stats().bufferedMs).toBeLessThanOrEqual(50);
    expect(pull(b, 1)[0]).toBeCloseTo((20_000 - 10) / 32768, 9);
  });

  it('reads whole s16le samples of a frame', () => {
    const frame = new Int16Array([1, -2, 32767]).buffer;
    expect([...samplesOf(frame)]).toEqual([1, -2, 32767]);
    expect(samplesOf(new ArrayBuffer(5)).length).toBe(2);
  });
});
