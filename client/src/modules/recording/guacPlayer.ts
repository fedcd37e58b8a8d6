// Plays guacd's `.guac` recordings (RDP, SSH) with guacamole-common-js 1.5's SessionRecording. The
// file is streamed into it through a tunnel of our own (its Blob path is broken in 1.5.0: it parses
// an unset variable). SessionRecording has no speed setting, so playback here is driven by our
// clock: every animation frame seeks forward to the clock's position, which replays the frames
// in between (SessionRecording keeps keyframes, so a backwards seek is cheap too). The file is
// loaded whole before playback starts (a progress bar shows meanwhile).
import * as GuacamoleModule from 'guacamole-common-js';
import { MediaClock } from './clock.ts';
import { Listeners, type Player, type PlayerProblem, type PlayerSnapshot, type PlayerStatus, type Speed } from './player.ts';

const Guacamole = (GuacamoleModule as unknown as { default: typeof GuacamoleModule }).default;

/** The base Tunnel is a plain constructor in the JS (abstract only in its types), with setState(). */
type FileTunnel = GuacamoleModule.Tunnel & { setState(state: number): void };
const BaseTunnel = Guacamole.Tunnel as unknown as new () => FileTunnel;

/** Frames remembered for seeking (an 8-hour session at 30 frames/s); later ones are found by SessionRecording itself. */
const MAX_FRAMES = 1_000_000;

/**
 * The timestamp (relative to the first frame) of the last frame at or before `ms`. SessionRecording
 * looks frames up by nearest timestamp and, between two frames, takes the later one: a seek into an
 * idle minute would show what came after it. Seeking to an exact frame time avoids that.
 */
export function frameAt(syncs: readonly number[], ms: number): number {
  const t0 = syncs[0];
  if (t0 === undefined) return ms;
  let lo = 0;
  let hi = syncs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((syncs[mid] as number) - t0 <= ms) lo = mid;
    else hi = mid - 1;
  }
  return (syncs[lo] as number) - t0;
}

export interface GuacPlayerOptions {
  stage: HTMLElement;
  /** The .guac file (part 0). */
  url: string;
  sizeBytes: number;
  /** From the recordings table; the file's own length wins once loaded. */
  durationMs: number;
  fetchFn?: typeof fetch;
}

export class GuacPlayer implements Player {
  private readonly clock = new MediaClock(() => performance.now());
  private readonly listeners = new Listeners<PlayerSnapshot>();
  private readonly recording: GuacamoleModule.SessionRecording;
  private readonly tunnel: FileTunnel;
  private readonly ac = new AbortController();
  private readonly observer: ResizeObserver;
  private status: PlayerStatus = 'loading';
  private loaded = false;
  private loadedBytes = 0;
  /** Loaded: seeks and playback may start. */
  private ready = false;
  private seeking = false;
  /** Every frame's timestamp (guacd's `sync`), in file order, to seek to the frame shown at a time. */
  private readonly syncs: number[] = [];
  private inflight = false;
  private queued: number | undefined;
  private problem: PlayerProblem | undefined;
  private raf = 0;
  private intent = false;

  constructor(private readonly o: GuacPlayerOptions) {
    this.tunnel = new BaseTunnel();
    this.tunnel.connect = () => void this.stream();
    this.recording = new Guacamole.SessionRecording(this.tunnel);
    const display = this.recording.getDisplay();
    const el = display.getElement();
    el.classList.add('guac-display');
    o.stage.replaceChildren(el);
    const fit = (): void => {
      const w = display.getWidth();
      const h = display.getHeight();
      if (w && h && o.stage.clientWidth && o.stage.clientHeight) display.scale(Math.min(o.stage.clientWidth / w, o.stage.clientHeight / h));
    };
    display.onresize = fit;
    this.observer = new ResizeObserver(fit);
    this.observer.observe(o.stage);
    this.recording.onprogress = () => this.emit();
    // Frames replay from the Blob SessionRecording builds from the tunnel, which holds everything
    // only once the tunnel closed (before that, in 256 KiB steps): playback starts when loaded.
    this.recording.onload = () => {
      this.loaded = true;
      this.ready = true;
      this.status = 'paused';
      this.seekTo(0);
      if (this.intent) this.play();
      this.emit();
    };
    this.recording.onerror = (message) => this.fail({ kind: 'damaged', afterMs: this.recording.getDuration() }, message);
    this.recording.connect();
  }

  private duration(): number {
    return this.loaded ? this.recording.getDuration() : Math.max(this.o.durationMs, this.recording.getDuration());
  }

  snapshot(): PlayerSnapshot {
    const busy = this.seeking || !this.ready || (!this.loaded && this.clock.position() > this.recording.getDuration());
    return {
      status: this.status,
      positionMs: Math.max(0, Math.min(this.clock.position(), this.duration())),
      durationMs: this.duration(),
      speed: this.clock.speed as Speed,
      busy,
      ...(!this.loaded && this.o.sizeBytes > 0 ? { progress: Math.min(1, this.loadedBytes / this.o.sizeBytes) } : {}),
      ...(this.problem ? { problem: this.problem } : {}),
    };
  }

  subscribe(fn: (s: PlayerSnapshot) => void): () => void {
    return this.listeners.add(fn);
  }

  play(): void {
    this.intent = true;
    if (!this.ready || this.problem) return this.emit();
    if (this.status === 'ended') this.clock.set(0);
    this.clock.start();
    this.status = 'playing';
    this.emit();
    cancelAnimationFrame(this.raf);
    this.raf = requestAnimationFrame(this.tick);
  }

  pause(): void {
    this.intent = false;
    this.clock.stop();
    cancelAnimationFrame(this.raf);
    if (this.status === 'playing') this.status = 'paused';
    this.emit();
  }

  seek(ms: number): void {
    const target = Math.max(0, Math.min(ms, this.duration()));
    this.clock.set(target);
    if (this.status === 'ended') this.status = 'paused';
    this.seekTo(target);
  }

  setSpeed(speed: Speed): void {
    this.clock.setSpeed(speed);
    this.emit();
  }

  destroy(): void {
    cancelAnimationFrame(this.raf);
    this.observer.disconnect();
    this.ac.abort();
    this.recording.pause();
    this.recording.abort();
  }

  private readonly tick = (): void => {
    if (!this.clock.playing) return;
    const pos = this.clock.position();
    if (this.loaded && pos >= this.recording.getDuration()) {
      this.seekTo(this.recording.getDuration());
      this.clock.stop();
      this.intent = false;
      this.status = 'ended';
      this.emit();
      return;
    }
    // Ahead of what has loaded: wait there (snapshot() shows it as busy).
    if (!this.seeking && pos <= this.recording.getDuration()) this.seekTo(pos);
    this.raf = requestAnimationFrame(this.tick);
  };

  /**
   * One SessionRecording seek at a time: starting one while another replays lets both replay frames
   * into the same display (its cancel does not stop a replay in progress). A seek asked meanwhile
   * waits, and only the latest one waiting is done.
   */
  private seekTo(ms: number): void {
    if (!this.ready) return;
    this.seeking = true;
    if (this.inflight) {
      this.queued = ms;
      return;
    }
    this.inflight = true;
    this.emit();
    this.recording.seek(frameAt(this.syncs, ms), () => {
      this.inflight = false;
      const next = this.queued;
      this.queued = undefined;
      if (next !== undefined) return this.seekTo(next);
      // The display draws replayed frames on animation frames: done once its queue is flushed.
      this.recording.getDisplay().flush(() => {
        if (this.inflight || this.queued !== undefined) return;
        this.seeking = false;
        this.emit();
      });
    });
  }

  /** Streams the file into the tunnel; a cut last instruction means the file is damaged there. */
  private async stream(): Promise<void> {
    const parser = new Guacamole.Parser();
    parser.oninstruction = (op, args) => {
      if (op === 'sync' && this.syncs.length < MAX_FRAMES) this.syncs.push(Number(args[0]));
      this.tunnel.oninstruction?.(op, args);
    };
    this.tunnel.setState(Guacamole.Tunnel.State.OPEN);
    let last = '';
    try {
      const res = await (this.o.fetchFn ?? fetch)(this.o.url, { credentials: 'same-origin', signal: this.ac.signal });
      if (res.status === 404 || res.status === 410) return this.fail({ kind: 'missing', afterMs: 0 });
      if (!res.ok || !res.body) return this.fail({ kind: 'failed', message: `The gateway answered ${res.status} for the recording file.` });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.loadedBytes += value.length;
        parser.receive(value);
        if (value.trim()) last = value.trimEnd();
      }
      if (last && !last.endsWith(';')) this.fail({ kind: 'damaged', afterMs: this.recording.getDuration() });
    } catch (e) {
      if (this.ac.signal.aborted) return;
      this.fail({ kind: 'damaged', afterMs: this.recording.getDuration() }, e instanceof Error ? e.message : String(e));
    }
    this.tunnel.setState(Guacamole.Tunnel.State.CLOSED);
  }

  private fail(p: PlayerProblem, detail?: string): void {
    if (detail) console.warn('Recording playback:', detail);
    if (this.problem) return;
    this.problem = p;
    this.pause();
  }

  private emit(): void {
    this.listeners.emit(this.snapshot());
  }
}
