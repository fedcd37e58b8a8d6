// Sound of displays shown through guacd (existing RDP/VNC machines): guacd's `audio` streams, raw PCM
// (`audio/L16;rate=R,channels=C`), played behind the toolbar's Sound button with the same surface as
// SoundPlayer (unmute on the click, mute, volume). The gateway sends the streams only when the policy
// (and, for a helpdesk join, the owner) allows; muted, their blobs are dropped here. docs/audio.md.

/** The states this source reports: a part of player.ts's SoundState (not imported: that module pulls in its worklet). */
type SoundState = { kind: 'muted' } | { kind: 'starting' } | { kind: 'playing' };
/** player.ts's test hook, written here too: the tests read the same analyser for either source. */
type Hook = { analyser: AnalyserNode; context: AudioContext; received: { bytes: number; frames: number } };
const hook = globalThis as unknown as { __deskportSound?: Hook };

/** guacamole-common-js's InputStream, as far as sound needs it (its chunk loads lazily; only types here). */
export interface GuacInputStream {
  onblob: ((data: string) => void) | null;
  onend: (() => void) | null;
}

/** Scheduled this far ahead of the clock when a stream (re)starts; more than MAX behind is dropped. */
const LEAD_S = 0.08;
const MAX_AHEAD_S = 0.5;
const RATES = [8000, 96000] as const;

export interface PcmFormat {
  rate: number;
  channels: number;
}

/** `audio/L16;rate=44100,channels=2` → its format, or null for anything else. */
export function parseL16(mimetype: string): PcmFormat | null {
  const m = /^audio\/L16;rate=(\d{4,6}),channels=(\d)$/.exec(mimetype.trim());
  if (!m) return null;
  const rate = Number(m[1]);
  const channels = Number(m[2]);
  if (rate < RATES[0] || rate > RATES[1] || channels < 1 || channels > 8) return null;
  return { rate, channels };
}

/** Base64 signed 16-bit little-endian interleaved samples → one Float32Array per channel. */
export function decodeL16(base64: string, channels: number): Float32Array<ArrayBuffer>[] {
  const bin = atob(base64);
  const frames = Math.floor(bin.length / 2 / channels);
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let f = 0; f < frames; f++)
    for (let c = 0; c < channels; c++) {
      const i = (f * channels + c) * 2;
      const v = bin.charCodeAt(i) | (bin.charCodeAt(i + 1) << 8);
      out[c]![f] = (v >= 0x8000 ? v - 0x10000 : v) / 0x8000;
    }
  return out;
}

type Listener = (s: SoundState) => void;

/** One per page: the open display hands its audio streams in; the Sound button turns playing on and off. */
class GuacSound {
  private ctx?: AudioContext;
  private gain?: GainNode;
  private volume = 1;
  private listeners = new Set<Listener>();

  /** For Guacamole.Client's onaudio: always a player, so guacamole-common-js never plays it on its own. */
  stream(stream: GuacInputStream, mimetype: string): { sync(): void } {
    const format = parseL16(mimetype);
    let next = 0;
    stream.onblob = (data) => {
      const ctx = this.ctx;
      const gain = this.gain;
      if (!format || !ctx || !gain) return; // muted: nothing is decoded or played
      const samples = decodeL16(data, format.channels);
      const frames = samples[0]?.length ?? 0;
      if (frames === 0) return;
      const r = hook.__deskportSound?.received;
      if (r) ((r.bytes += frames * 2 * format.channels), r.frames++);
      const now = ctx.currentTime;
      if (next < now || next > now + MAX_AHEAD_S) next = now + LEAD_S;
      const buffer = new AudioBuffer({ length: frames, numberOfChannels: format.channels, sampleRate: format.rate });
      samples.forEach((s, c) => buffer.copyToChannel(s, c));
      const src = new AudioBufferSourceNode(ctx, { buffer });
      src.connect(gain);
      src.start(next);
      next += frames / format.rate;
      this.emit({ kind: 'playing' });
    };
    stream.onend = () => {
      stream.onblob = null;
    };
    return { sync() {} };
  }

  /** From the click or key press (browsers start sound only on a gesture). */
  unmute(): void {
    if (this.ctx) return;
    const ctx = new AudioContext({ latencyHint: 'interactive' });
    this.ctx = ctx;
    this.gain = new GainNode(ctx, { gain: this.volume });
    const analyser = new AnalyserNode(ctx, { fftSize: 4096, smoothingTimeConstant: 0 });
    this.gain.connect(analyser).connect(ctx.destination);
    hook.__deskportSound = { analyser, context: ctx, received: { bytes: 0, frames: 0 } };
    // Ready at once: the sound comes with the display, and a silent desktop sends nothing (guacd skips
    // silence), so "starting" would stay on screen for as long as nothing plays.
    this.emit({ kind: 'playing' });
  }

  mute(): void {
    const ctx = this.ctx;
    this.ctx = undefined;
    this.gain = undefined;
    void ctx?.close();
    this.emit({ kind: 'muted' });
  }

  setVolume(v: number): void {
    this.volume = Math.min(1, Math.max(0, v));
    if (this.gain && this.ctx) this.gain.gain.setTargetAtTime(this.volume, this.ctx.currentTime, 0.02);
  }

  /** The Sound button's player: this page's one GuacSound, reporting to `onState`. */
  player(onState: Listener) {
    this.listeners.add(onState);
    return {
      unmute: () => this.unmute(),
      mute: () => {
        this.mute();
      },
      setVolume: (v: number) => this.setVolume(v),
      dispose: () => this.listeners.delete(onState),
    };
  }

  private last?: SoundState['kind'];
  private emit(s: SoundState): void {
    if (s.kind === this.last) return;
    this.last = s.kind;
    for (const l of this.listeners) l(s);
  }
}

export const guacSound = new GuacSound();
