// The player's jitter buffer: PCM arrives in bursts over the network, the sound card pulls 128 samples
// every 2.7 ms. It starts playing once `targetMs` is buffered, plays silence and primes again after an
// underrun, and drops the oldest samples when more than `maxMs` piles up, so the delay stays bounded.
// A delay that stays above target + `slackMs` for `settleMs` (a burst at start, clock drift between
// the desktop and the sound card) is cut back to the target once, so it does not linger at the cap.
// Pure (no WebAudio): it runs inside the AudioWorklet and in unit tests alike.

export interface JitterOptions {
  rate: number;
  /** Buffered before playing starts (and again after an underrun). */
  targetMs: number;
  /** More than this is cut back to targetMs by dropping the oldest samples. */
  maxMs: number;
  /** Tolerated above the target before the delay is cut back (default 40 ms)… */
  slackMs?: number;
  /** …when it held that long (default 500 ms of playing). */
  settleMs?: number;
}

export interface JitterStats {
  /** Samples queued now, in ms. */
  bufferedMs: number;
  underruns: number;
  droppedSamples: number;
  playing: boolean;
}

export class JitterBuffer {
  private readonly ring: Float32Array;
  private read = 0;
  private size = 0;
  private readonly target: number;
  private readonly max: number;
  private playing = false;
  private underruns = 0;
  private dropped = 0;
  private readonly high: number;
  private readonly settle: number;
  /** Samples played in a row while above `high`. */
  private highFor = 0;

  constructor(private readonly o: JitterOptions) {
    this.target = Math.round((o.rate * o.targetMs) / 1000);
    this.high = this.target + Math.round((o.rate * (o.slackMs ?? 40)) / 1000);
    this.settle = Math.round((o.rate * (o.settleMs ?? 500)) / 1000);
    this.max = Math.max(this.target + 1, Math.round((o.rate * o.maxMs) / 1000));
    this.ring = new Float32Array(this.max + o.rate); // room for a second's burst beyond the cap before it is cut
  }

  /** s16le samples as they came off the wire (mono). */
  push(samples: Int16Array): void {
    let from = 0;
    if (samples.length > this.ring.length) {
      from = samples.length - this.ring.length; // a burst larger than the whole ring: only its end matters
      this.dropped += from;
    }
    for (let i = from; i < samples.length; i++) {
      if (this.size === this.ring.length) this.skip(1);
      this.ring[(this.read + this.size) % this.ring.length] = samples[i]! / 32768;
      this.size++;
    }
    if (this.size > this.max) this.skip(this.size - this.target);
    if (!this.playing && this.size >= this.target) this.playing = true;
  }

  /** Fills `out` (the sound card's next quantum): samples while playing, silence while priming. */
  pull(out: Float32Array): void {
    if (!this.playing) return void out.fill(0);
    const n = Math.min(out.length, this.size);
    for (let i = 0; i < n; i++) out[i] = this.ring[(this.read + i) % this.ring.length]!;
    this.read = (this.read + n) % this.ring.length;
    this.size -= n;
    if (n < out.length) {
      out.fill(0, n);
      this.underruns++;
      this.playing = false; // wait for targetMs again rather than stutter sample by sample
    }
    this.highFor = this.size > this.high ? this.highFor + n : 0;
    if (this.highFor >= this.settle) {
      this.skip(this.size - this.target);
      this.highFor = 0;
    }
  }

  stats(): JitterStats {
    return { bufferedMs: (this.size * 1000) / this.o.rate, underruns: this.underruns, droppedSamples: this.dropped, playing: this.playing };
  }

  private skip(n: number): void {
    this.read = (this.read + n) % this.ring.length;
    this.size -= n;
    this.dropped += n;
  }
}

/** Whole s16le samples of a binary frame; an odd trailing byte (never sent by the gateway) is ignored. */
export function samplesOf(frame: ArrayBuffer): Int16Array {
  return new Int16Array(frame, 0, frame.byteLength >> 1);
}
