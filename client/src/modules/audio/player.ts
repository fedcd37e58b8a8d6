// The viewer's sound: on unmute, a fresh one-time ticket, then /ws/audio's PCM into an AudioWorklet
// (player.worklet.ts: a jitter buffer of ~80 ms) → volume → speakers. Muting closes the socket and the
// audio context, so the desktop captures nothing. A drop reconnects with backoff; "no sound server"
// and "not allowed" stop with their message. The analyser is for the tests (window.__deskportSound).
import { isApiError } from '../../api/client.ts';
import { AudioClose, type AudioHello } from '../../../../contract/audio.ts';
import { DisplayClose } from '../../../../contract/display.ts';
import { backoffDelay } from '../backoff.ts';
import { toWebSocketUrl } from '../viewer/wsUrl.ts';
import workletUrl from './player.worklet.ts?worker&url';
import type { JitterStats } from './jitter.ts';

/** Played once this much is buffered; more than MAX_MS is cut back (the delay stays bounded). */
export const JITTER_TARGET_MS = 80;
export const JITTER_MAX_MS = 250;

export type SoundState =
  | { kind: 'muted' }
  | { kind: 'starting' }
  | { kind: 'playing'; stats?: JitterStats }
  | { kind: 'retrying'; at: number }
  /** For good until unmuted again: no sound server, not allowed, no longer shared. */
  | { kind: 'unavailable'; message: string };

export const UNAVAILABLE = 'Sound is unavailable on this desktop';

export interface SoundPlayerOptions {
  /** A fresh /ws/audio path with its one-time ticket. */
  ticket(): Promise<{ url: string }>;
  onState(s: SoundState): void;
}

interface DebugHook {
  analyser: AnalyserNode;
  context: AudioContext;
  /** Bytes and frames received since unmute. */
  received: { bytes: number; frames: number };
}
declare global {
  interface Window {
    __deskportSound?: DebugHook;
  }
}

export class SoundPlayer {
  private ctx?: AudioContext;
  private node?: AudioWorkletNode;
  private gain?: GainNode;
  private ws?: WebSocket;
  private volume = 1;
  private active = false;
  private attempt = 0;
  private timer?: ReturnType<typeof setTimeout>;

  constructor(private readonly o: SoundPlayerOptions) {}

  /** Call from a click or key press: browsers start sound only on a gesture. */
  async unmute(): Promise<void> {
    if (this.active) return;
    this.active = true;
    this.attempt = 0;
    this.o.onState({ kind: 'starting' });
    // Created synchronously inside the gesture (before any await), or the browser keeps it suspended.
    const ctx = new AudioContext({ sampleRate: 48_000, latencyHint: 'interactive' });
    this.ctx = ctx;
    try {
      await ctx.audioWorklet.addModule(workletUrl);
    } catch (e) {
      console.warn('The sound player could not load', e);
      return this.stopWith('The sound player could not start in this browser.');
    }
    if (!this.active || this.ctx !== ctx) return;
    this.gain = new GainNode(ctx, { gain: this.volume });
    const analyser = new AnalyserNode(ctx, { fftSize: 4096, smoothingTimeConstant: 0 });
    this.gain.connect(analyser).connect(ctx.destination);
    window.__deskportSound = { analyser, context: ctx, received: { bytes: 0, frames: 0 } };
    this.connect();
  }

  mute(): void {
    this.active = false;
    clearTimeout(this.timer);
    this.teardown();
    this.o.onState({ kind: 'muted' });
  }

  setVolume(v: number): void {
    this.volume = Math.min(1, Math.max(0, v));
    if (this.gain && this.ctx) this.gain.gain.setTargetAtTime(this.volume, this.ctx.currentTime, 0.02);
  }

  private connect(): void {
    const ctx = this.ctx;
    if (!ctx || !this.active) return;
    this.o
      .ticket()
      .then(({ url }) => {
        if (!this.active || this.ctx !== ctx) return;
        const ws = new WebSocket(toWebSocketUrl(url));
        ws.binaryType = 'arraybuffer';
        this.ws = ws;
        ws.onmessage = (e: MessageEvent<ArrayBuffer | string>) => this.onMessage(ctx, e.data);
        ws.onclose = (e) => this.onClose(ws, e.code);
      })
      .catch((e: unknown) => {
        // A refusal the person cannot fix by waiting (policy, no sound on this kind of session) stops here.
        if (isApiError(e) && (e.status === 403 || e.code === 'audio_unsupported')) return this.stopWith(e.message);
        this.retry();
      });
  }

  private onMessage(ctx: AudioContext, data: ArrayBuffer | string): void {
    if (typeof data === 'string') {
      const hello = JSON.parse(data) as AudioHello;
      if (hello.format !== 's16le' || hello.channels !== 1 || hello.rate !== ctx.sampleRate)
        return this.stopWith(`The desktop sends sound this player does not know (${hello.format}, ${hello.rate} Hz).`);
      this.node?.disconnect();
      this.node = new AudioWorkletNode(ctx, 'deskport-pcm-player', {
        numberOfInputs: 0,
        outputChannelCount: [1],
        processorOptions: { targetMs: JITTER_TARGET_MS, maxMs: JITTER_MAX_MS },
      });
      this.node.port.onmessage = (e: MessageEvent<JitterStats>) => this.active && this.o.onState({ kind: 'playing', stats: e.data });
      if (this.gain) this.node.connect(this.gain);
      this.attempt = 0;
      this.o.onState({ kind: 'playing' });
      return;
    }
    const r = window.__deskportSound?.received;
    if (r) ((r.bytes += data.byteLength), r.frames++);
    this.node?.port.postMessage(data, [data]);
  }

  private onClose(ws: WebSocket, code: number): void {
    if (this.ws !== ws || !this.active) return;
    this.ws = undefined;
    if (code === AudioClose.SoundUnavailable) return this.stopWith(UNAVAILABLE);
    if (code === DisplayClose.ShadowEnded) return this.stopWith('The person stopped sharing their sound.');
    if (code === DisplayClose.SessionEnded || code === DisplayClose.AccountDisabled || code === DisplayClose.AccessRevoked)
      return this.stopWith('The session ended.');
    this.retry();
  }

  private retry(): void {
    if (!this.active) return;
    const delay = backoffDelay(this.attempt++);
    this.o.onState({ kind: 'retrying', at: Date.now() + delay });
    this.timer = setTimeout(() => this.connect(), delay);
  }

  private stopWith(message: string): void {
    this.active = false;
    this.teardown();
    this.o.onState({ kind: 'unavailable', message });
  }

  private teardown(): void {
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, 'muted');
    this.node?.disconnect();
    this.node = undefined;
    void this.ctx?.close().catch(() => undefined);
    this.ctx = undefined;
    this.gain = undefined;
  }
}
