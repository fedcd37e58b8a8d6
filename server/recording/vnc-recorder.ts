// Records one VNC session into `.dprec` parts (docs/recording-format.md). It holds one recording
// connection at a time; every keyframe interval it opens a fresh one (a new segment) and switches
// over when that one's ServerInit arrives, so the old one closes only once the new one is live.
// Parts rotate by size and age at a segment switch, so every part starts with a segment. The disk
// sets the pace: when a write is behind, the connection is paused until the file drains.
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import type { DesktopLink } from '../relay/desktop-link.ts';
import { partFileName } from './files.ts';
import { FORMAT_VERSION, PIXEL_FORMAT_NAME, type SegmentInfo } from './format.ts';
import { PartWriter, type FinishedPart } from './part-writer.ts';
import { RfbSegment } from './rfb-segment.ts';

export interface VncRecorderOptions {
  recordingId: string;
  sessionId: string;
  dir: string;
  /** A new stream to the desktop's VNC server (the same way thumbnails get one). */
  openLink: () => Promise<DesktopLink>;
  secret: string;
  log: Logger;
  keyframeMs?: number;
  partMaxBytes?: number;
  partMaxMs?: number;
  minFrameIntervalMs?: number;
  now?: () => number;
  /** A part file is closed (rotation or stop), with its size and checksum. */
  onPart?: (n: number, part: FinishedPart) => void;
  /** Writing failed for good (disk full, I/O error): the recorder has stopped itself. */
  onFailed?: (err: Error) => void;
  /** Called after every write with the bytes written so far, for quota checks (false = stop). */
  allowBytes?: (added: number) => boolean;
  /** The first part's number: a recording resumed after a pause goes on after its earlier parts. */
  firstPart?: number;
}

export const RECORDER_DEFAULTS = { keyframeMs: 10_000, partMaxBytes: 64 * 1024 * 1024, partMaxMs: 30 * 60_000, minFrameIntervalMs: 40 };
const RETRY_MS = [500, 1000, 2000, 5000, 10_000];

/** The storage budget refused a write (quota reached or too little free disk): not the disk's own error. */
export class StorageRefused extends Error {
  constructor() {
    super('the recordings storage is full');
  }
}

export class VncRecorder {
  private readonly o: Required<Omit<VncRecorderOptions, 'onPart' | 'onFailed' | 'allowBytes' | 'firstPart'>> & VncRecorderOptions;
  private writer: PartWriter | null = null;
  private partNo = -1;
  private current: RfbSegment | null = null;
  private next: RfbSegment | null = null;
  private rotateDue = false;
  private stopped = false;
  private retries = 0;
  private keyTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly finished: Promise<FinishedPart | null>[] = [];
  private firstSegment: { resolve: () => void; reject: (e: Error) => void } | null = null;
  segments = 0;
  /** Clipboard messages left out, over the segments that ended so far plus the current one. */
  private withheldBefore = 0;

  constructor(o: VncRecorderOptions) {
    this.o = { ...RECORDER_DEFAULTS, now: Date.now, ...o } as typeof this.o;
    this.partNo = (o.firstPart ?? 0) - 1;
  }

  /** Resolves once the first segment is being written; rejects if the first connection fails. */
  start(): Promise<void> {
    const first = new Promise<void>((resolve, reject) => (this.firstSegment = { resolve, reject }));
    this.openPart();
    this.keyTimer = setInterval(() => this.keyframe(), this.o.keyframeMs);
    this.keyTimer.unref();
    this.openSegment();
    return first;
  }

  get clipboardWithheld(): number {
    return this.withheldBefore + (this.current?.clipboardWithheld ?? 0);
  }

  /** Part files opened so far by this recorder. */
  get partCount(): number {
    return this.partNo + 1 - (this.o.firstPart ?? 0);
  }

  /** Ends the recording: closes the connections and the part with its end record. Safe to call twice. */
  async stop(reason: string): Promise<FinishedPart[]> {
    if (!this.stopped) {
      this.stopped = true;
      if (this.keyTimer) clearInterval(this.keyTimer);
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.current?.close(reason);
      this.next?.close(reason);
      this.closePart(reason);
      this.firstSegment?.reject(new Error(`recording stopped: ${reason}`));
    }
    const parts = await Promise.all(this.finished);
    return parts.filter((p): p is FinishedPart => p !== null);
  }

  private openPart(): void {
    this.partNo++;
    const n = this.partNo;
    const path = join(this.o.dir, partFileName(this.o.recordingId, n));
    this.writer = PartWriter.create(
      path,
      {
        version: FORMAT_VERSION,
        kind: 'rfb',
        recordingId: this.o.recordingId,
        sessionId: this.o.sessionId,
        part: n,
        startedAt: this.o.now(),
        pixelFormat: PIXEL_FORMAT_NAME,
      },
      (err) => this.fail(err),
    );
  }

  private closePart(reason: string): void {
    const w = this.writer;
    if (!w) return;
    this.writer = null;
    const n = this.partNo;
    this.finished.push(
      w.close(this.o.now(), reason).then(
        (p) => (this.o.onPart?.(n, p), p),
        () => null,
      ),
    );
  }

  private keyframe(): void {
    if (this.stopped) return;
    if (this.writer && this.o.now() - this.writer.header.startedAt >= this.o.partMaxMs) this.rotateDue = true;
    this.openSegment();
  }

  private openSegment(): void {
    if (this.stopped || this.next) return;
    this.o
      .openLink()
      .then((link) => {
        if (this.stopped) return link.close('recording stopped');
        const seg = new RfbSegment(
          { link, secret: this.o.secret, minFrameIntervalMs: this.o.minFrameIntervalMs },
          {
            onInit: (info) => this.switchTo(seg, info),
            onRecord: (slices, len) => this.record(seg, slices, len),
            onEnd: (why) => this.segmentEnded(seg, why),
          },
        );
        this.next = seg;
      })
      .catch((err: Error) => this.segmentEnded(null, err.message));
  }

  private switchTo(seg: RfbSegment, info: SegmentInfo): void {
    if (this.stopped) return seg.close('recording stopped');
    const old = this.current;
    this.withheldBefore += old?.clipboardWithheld ?? 0;
    this.current = seg;
    this.next = null;
    old?.close('next segment');
    if (this.rotateDue) {
      this.rotateDue = false;
      this.closePart('rotated');
      this.openPart();
    }
    this.retries = 0;
    this.segments++;
    this.writer?.segment(this.o.now(), info);
    if (this.firstSegment) {
      this.firstSegment.resolve();
      this.firstSegment = null;
    }
  }

  private record(seg: RfbSegment, slices: Buffer[], len: number): void {
    const w = this.writer;
    if (seg !== this.current || !w || this.stopped) return;
    if (this.o.allowBytes && !this.o.allowBytes(len)) return this.fail(new StorageRefused());
    if (!w.data(this.o.now(), slices, len)) {
      seg.pause();
      w.onDrain(() => seg.resume());
    }
    if (w.bytes >= this.o.partMaxBytes && !this.rotateDue) {
      this.rotateDue = true;
      this.openSegment();
    }
  }

  private segmentEnded(seg: RfbSegment | null, why: string): void {
    if (this.stopped) return;
    if (seg === this.current) this.current = null;
    if (seg === this.next || seg === null) this.next = null;
    if (this.firstSegment && !this.current) {
      this.firstSegment.reject(new Error(why));
      this.firstSegment = null;
    }
    if (this.current) return; // a failed next segment: the current one goes on, the next keyframe tries again
    this.o.log.warn({ sessionId: this.o.sessionId, why }, 'recording connection ended; reconnecting');
    const delay = RETRY_MS[Math.min(this.retries++, RETRY_MS.length - 1)]!;
    this.retryTimer = setTimeout(() => this.openSegment(), delay);
    this.retryTimer.unref();
  }

  private fail(err: Error): void {
    if (this.stopped) return;
    this.o.log.error({ sessionId: this.o.sessionId, err }, 'recording failed');
    void this.stop(`${err instanceof StorageRefused ? 'paused' : 'failed'}: ${err.message}`);
    this.o.onFailed?.(err);
  }
}
