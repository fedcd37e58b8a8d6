// Plays guacd's `.guac` recordings (RDP, SSH) with guacamole-common-js 1.5's SessionRecording. The
// file is streamed into it through a tunnel of our own (its Blob path is broken in 1.5.0: it parses
// an unset variable). SessionRecording has no speed setting, so playback here is driven by our
// clock: every animation frame seeks forward to the clock's position, which replays the frames
// in between (SessionRecording keeps keyframes, so a backwards seek is cheap too).
import * as GuacamoleModule from 'guacamole-common-js';
import { MediaClock } from './clock.ts';
import { Listeners, type Player, type PlayerProblem, type PlayerSnapshot, type PlayerStatus, type Speed } from './player.ts';

const Guacamole = (GuacamoleModule as unknown as { default: typeof GuacamoleModule }).default;

/** The base Tunnel is a plain constructor in the JS (abstract only in its types), with setState(). */
type FileTunnel = GuacamoleModule.Tunnel & { setState(state: number): void };
const BaseTunnel = Guacamole.Tunnel as unknown as new () => FileTunnel;

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
  private anyFrame = false;
  private seeking = false;
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
    this.recording.onprogress = () => {
      if (!this.anyFrame) {
        this.anyFrame = true;
        this.status = 'paused';
        this.seekTo(0);
        if (this.intent) this.play();
      }
      this.emit();
    };
    this.recording.onload = () => {
      this.loaded = true;
      this.emit();
    };
    this.recording.onerror = (message) => this.fail({ kind: 'damaged', afterMs: this.recording.getDuration() }, message);
    this.recording.connect();
  }

  private duration(): number {
    return this.loaded ? this.recording.getDuration() : Math.max(this.o.durationMs, this.recording.getDuration());
  }

  snapshot(): PlayerSnapshot {
    const busy = this.seeking || !this.anyFrame || (!this.loaded && this.clock.position() > this.recording.getDuration());
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
    if (!this.anyFrame || this.problem) return this.emit();
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

  private seekTo(ms: number): void {
    if (!this.anyFrame) return;
    this.seeking = true;
    this.emit();
    this.recording.seek(ms, () => {
      this.seeking = false;
      this.emit();
    });
  }

  /** Streams the file into the tunnel; a cut last instruction means the file is damaged there. */
  private async stream(): Promise<void> {
    const parser = new Guacamole.Parser();
    parser.oninstruction = (op, args) => this.tunnel.oninstruction?.(op, args);
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
