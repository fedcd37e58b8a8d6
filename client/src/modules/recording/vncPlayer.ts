// Plays a `.dprec` recording with noVNC. A seek finds the last segment at or before the target in
// the index, reads records from there (HTTP Range), feeds a fresh noVNC without delay up to the
// target, and shows it once drawn; playback then delivers each record when the clock reaches it.
// A segment record during playback (the recorder reconnected) starts a fresh noVNC the same way.
import type RFB from '@novnc/novnc';
import { MediaClock } from './clock.ts';
import { PartHeaders, PlaybackDamage, readRecords, segmentAt, type PartSource, type SegmentRef, type TimedRecord } from './cursor.ts';
import { Listeners, type Player, type PlayerProblem, type PlayerSnapshot, type PlayerStatus, type Speed } from './player.ts';
import { VncRun } from './vncRun.ts';

export interface VncPlayerOptions {
  RFB: typeof RFB;
  stage: HTMLElement;
  source: PartSource;
  segments: readonly SegmentRef[];
  /** Each part's start on the recording clock (the index's `parts[].startT`). */
  partStarts?: readonly (number | undefined)[];
  parts: number;
  durationMs: number;
  now?: () => number;
}

/** One seek's reading position; a newer seek makes the older one stale. */
interface Feed {
  records: AsyncGenerator<TimedRecord, void, void>;
  ahead: TimedRecord | undefined;
  ac: AbortController;
}

export class VncPlayer implements Player {
  private readonly clock: MediaClock;
  private readonly headers: PartHeaders;
  private readonly listeners = new Listeners<PlayerSnapshot>();
  private status: PlayerStatus = 'loading';
  private busy = false;
  private problem: PlayerProblem | undefined;
  private shown: VncRun | undefined;
  private next: VncRun | undefined;
  private feed: Feed | undefined;
  private gen = 0;
  private wake: (() => void) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private destroyed = false;
  /** The person wants playback (kept across seeks; a seek in progress starts it when done). */
  private intent = false;
  /** The generation whose pump loop runs (-1: none); at most one loop reads a feed. */
  private pumpingGen = -1;

  constructor(private readonly o: VncPlayerOptions) {
    this.clock = new MediaClock(o.now ?? (() => performance.now()));
    this.headers = new PartHeaders(o.source);
  }

  snapshot(): PlayerSnapshot {
    const p = Math.min(this.clock.position(), this.o.durationMs);
    return {
      status: this.status,
      positionMs: Math.max(0, p),
      durationMs: this.o.durationMs,
      speed: this.clock.speed as Speed,
      busy: this.busy,
      ...(this.problem ? { problem: this.problem } : {}),
    };
  }

  subscribe(fn: (s: PlayerSnapshot) => void): () => void {
    return this.listeners.add(fn);
  }

  play(): void {
    if (this.destroyed || this.clock.playing) return;
    this.intent = true;
    if (this.status === 'ended') return this.seek(0);
    if (this.busy || this.problem) return this.emit();
    this.clock.start();
    this.setStatus('playing');
    if (this.pumpingGen !== this.gen) void this.pump(this.gen);
  }

  pause(): void {
    this.intent = false;
    this.clock.stop();
    this.kick();
    if (this.status === 'playing') this.setStatus('paused');
    else this.emit();
  }

  /** Whether playback runs or will run once a seek is done (for the play/pause button). */
  get wantsPlay(): boolean {
    return this.intent;
  }

  setSpeed(speed: Speed): void {
    this.clock.setSpeed(speed);
    this.kick();
    this.emit();
  }

  seek(ms: number): void {
    if (this.destroyed) return;
    const target = Math.max(0, Math.min(ms, this.o.durationMs));
    const gen = ++this.gen;
    this.clock.stop();
    this.clock.set(target);
    this.kick();
    this.feed?.ac.abort();
    this.feed = undefined;
    this.next?.close();
    this.next = undefined;
    this.problem = undefined;
    this.busy = true;
    if (this.status === 'ended' || this.status === 'playing') this.status = 'paused';
    this.emit();
    void this.prepare(gen, target);
  }

  destroy(): void {
    this.destroyed = true;
    this.gen++;
    this.clock.stop();
    this.kick();
    this.feed?.ac.abort();
    this.next?.close();
    this.shown?.close();
  }

  /** For tests: the canvas on screen. */
  canvas(): HTMLCanvasElement | null {
    return this.shown?.canvas() ?? null;
  }

  private async prepare(gen: number, target: number): Promise<void> {
    const stale = (): boolean => gen !== this.gen;
    const seg = segmentAt(this.o.segments, target) ?? { part: 0, offset: 0, t: 0 };
    const ac = new AbortController();
    const feed: Feed = {
      records: readRecords(this.o.source, this.headers, { ...this.o, start: seg, signal: ac.signal }),
      ahead: undefined,
      ac,
    };
    this.feed = feed;
    let run: VncRun | undefined;
    try {
      for (;;) {
        const rec = await this.pull(feed);
        if (stale()) return;
        if (!rec) break;
        // A fresh connection shows nothing until its first update (a full screen, a few ms after the
        // segment record), so that one is taken even when it lies just past the target.
        if (rec.t > target && run?.delivered) {
          feed.ahead = rec;
          break;
        }
        if (rec.type === 'segment') {
          run?.close();
          run = new VncRun(this.o.RFB, this.o.stage, rec.segment);
          await run.connected;
        } else if (rec.type === 'data' && run) {
          await run.deliverFast(rec.bytes, stale);
        }
        if (stale()) return;
      }
      if (run) {
        await run.settled(stale);
        if (stale()) return run.close();
        this.swapTo(run);
      }
      this.busy = false;
      if (this.status === 'loading') this.status = 'paused';
      if (!feed.ahead && (await this.atEnd(feed, stale))) return;
      if (this.intent) this.play();
      else this.emit();
    } catch (e) {
      if (stale()) return run?.close();
      this.busy = false;
      if (this.status === 'loading') this.status = 'paused';
      if (run?.delivered) this.swapTo(run);
      else run?.close();
      this.fail(e);
    }
  }

  /** Live playback from the feed's position, until paused, sought away or the end. */
  private async pump(gen: number): Promise<void> {
    const stale = (): boolean => gen !== this.gen || !this.clock.playing;
    const feed = this.feed;
    if (!feed) return;
    this.pumpingGen = gen;
    try {
      while (!stale()) {
        const rec = await this.pull(feed);
        if (stale()) {
          // Paused while the network answered: keep the record for when playback resumes.
          if (rec && gen === this.gen) feed.ahead = rec;
          return;
        }
        if (!rec) return void (await this.atEnd(feed, stale));
        const wait = this.clock.wallUntil(rec.t);
        if (wait > 0) {
          feed.ahead = rec;
          await this.sleep(wait);
          continue;
        }
        await this.play1(rec, stale);
      }
    } catch (e) {
      if (gen === this.gen) this.fail(e);
    } finally {
      if (this.pumpingGen === gen) this.pumpingGen = -1;
    }
  }

  private async play1(rec: TimedRecord, stale: () => boolean): Promise<void> {
    if (rec.type === 'segment') {
      this.next?.close();
      const run = new VncRun(this.o.RFB, this.o.stage, rec.segment);
      this.next = run;
      await run.connected;
    } else if (rec.type === 'data') {
      const run = this.next ?? this.shown;
      const before = run?.delivered;
      run?.deliver(rec.bytes);
      if (run && run === this.next && before === 0 && run.delivered === 1) {
        // The new connection's first update with pixels is a full screen: show it once drawn.
        void run
          .settled(() => stale() || this.next !== run)
          .then(() => {
            if (this.next === run && run.layer.isConnected) this.swapTo(run);
          });
      }
    }
  }

  private swapTo(run: VncRun): void {
    if (this.next === run) this.next = undefined;
    run.show();
    if (this.shown !== run) this.shown?.close();
    this.shown = run;
  }

  private async pull(feed: Feed): Promise<TimedRecord | undefined> {
    if (feed.ahead) {
      const r = feed.ahead;
      feed.ahead = undefined;
      return r;
    }
    const r = await feed.records.next();
    return r.done ? undefined : r.value;
  }

  /** True (and status ended) when the feed has nothing more. */
  private async atEnd(feed: Feed, stale: () => boolean): Promise<boolean> {
    const rec = feed.ahead ?? (await this.pull(feed));
    if (stale()) return true;
    if (rec) {
      feed.ahead = rec;
      return false;
    }
    this.clock.stop();
    this.clock.set(this.o.durationMs);
    this.intent = false;
    this.setStatus('ended');
    return true;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      // Long waits are split so a speed change or pause is noticed soon even without kick().
      this.timer = setTimeout(resolve, Math.min(ms, 1000));
    });
  }

  /** Ends a sleep early (pause, seek, speed change); the pump loop then re-reads the clock. */
  private kick(): void {
    clearTimeout(this.timer);
    this.wake?.();
    this.wake = undefined;
  }

  private fail(e: unknown): void {
    this.clock.stop();
    if (e instanceof PlaybackDamage) {
      this.clock.set(Math.min(e.afterMs, this.o.durationMs));
      this.problem = { kind: e.kind, afterMs: e.afterMs };
    } else {
      console.error('Recording playback failed', e);
      this.problem = { kind: 'failed', message: e instanceof Error ? e.message : String(e) };
    }
    this.setStatus('paused');
  }

  private setStatus(s: PlayerStatus): void {
    this.status = s;
    this.emit();
  }

  private emit(): void {
    this.listeners.emit(this.snapshot());
  }
}
