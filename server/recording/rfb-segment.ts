// One recording connection (a *segment* of docs/recording-format.md): the gateway as an RFB client of
// the desktop, VncAuth with the desktop secret, shared, never sending input. It asks for the doc's
// pixel format and encodings, a full update, then one incremental update after each one received,
// and hands the desktop's bytes on in records cut at message boundaries, clipboard left out. The
// boundaries come from the view viewers' message filter (server/rfb/server-messages.ts).
import { Encoding } from '../rfb/constants.ts';
import { DesktopHandshake } from '../rfb/handshake.ts';
import { ServerMessageFilter } from '../rfb/server-messages.ts';
import type { DesktopLink } from '../relay/desktop-link.ts';
import { MAX_RECORD_BYTES, type SegmentInfo } from './format.ts';

/** SetPixelFormat: 32 bpp, depth 24, little-endian, true colour, max 255, shifts R0 G8 B16 ("rgbx32"). */
const SET_PIXEL_FORMAT = Buffer.from([0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 0, 8, 16, 0, 0, 0]);
export const RECORDING_ENCODINGS = [
  Encoding.Tight,
  Encoding.ZRLE,
  Encoding.CopyRect,
  Encoding.Raw,
  Encoding.DesktopSize,
  Encoding.ExtendedDesktopSize,
  Encoding.LastRect,
  Encoding.QualityLevel0 + 6,
  Encoding.CompressLevel0 + 2,
];
const HANDSHAKE_TIMEOUT_MS = 10_000;

function setEncodings(list: readonly number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * list.length);
  b[0] = 2;
  b.writeUInt16BE(list.length, 2);
  list.forEach((e, i) => b.writeInt32BE(e, 4 + 4 * i));
  return b;
}

function updateRequest(incremental: boolean, w: number, h: number): Buffer {
  const b = Buffer.from([3, incremental ? 1 : 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  b.writeUInt16BE(w, 6);
  b.writeUInt16BE(h, 8);
  return b;
}

export interface SegmentCallbacks {
  /** ServerInit arrived: from now on records flow. Called once. */
  onInit(info: SegmentInfo): void;
  /** Whole RFB messages (views into received chunks; no copies). */
  onRecord(slices: Buffer[], length: number): void;
  /** The connection failed or ended; called once, never after close(). */
  onEnd(why: string): void;
}

export interface SegmentOptions {
  link: DesktopLink;
  secret: string;
  /** Least time between two update requests: caps the recording's frame rate (and its CPU). */
  minFrameIntervalMs: number;
}

export class RfbSegment {
  private readonly hs: DesktopHandshake;
  private filter: ServerMessageFilter | null = null;
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private done = false;
  private width = 0;
  private height = 0;
  private askedAfter = 0;
  private lastAsk = 0;
  private askTimer: NodeJS.Timeout | null = null;
  private readonly handshakeTimer: NodeJS.Timeout;

  constructor(
    private readonly o: SegmentOptions,
    private readonly cb: SegmentCallbacks,
  ) {
    this.hs = new DesktopHandshake(o.secret);
    const { link } = o;
    this.handshakeTimer = setTimeout(() => this.fail('the desktop did not finish the RFB handshake in time'), HANDSHAKE_TIMEOUT_MS);
    link.onProtocolError((why) => this.fail(why));
    link.onError((err) => this.fail(err.message));
    link.onClose((detail) => this.fail(`the desktop connection ended (${detail})`));
    link.onData((chunk) => {
      try {
        this.onData(chunk);
      } catch (err) {
        this.fail((err as Error).message);
      }
    });
  }

  /** Clipboard messages from the desktop left out of the recording. */
  get clipboardWithheld(): number {
    return this.filter?.withheldMessages ?? 0;
  }

  pause(): void {
    this.o.link.pause();
  }

  resume(): void {
    this.o.link.resume();
  }

  /** Ends the connection without calling onEnd; safe to call twice. */
  close(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.stopTimers();
    this.o.link.close(reason);
  }

  private onData(chunk: Buffer): void {
    if (this.done) return;
    if (!this.filter) {
      const step = this.hs.feed(chunk);
      for (const b of step.send) this.o.link.send(b);
      if (step.status === 'failed') return this.fail(step.error.message);
      if (step.status === 'pending') return;
      clearTimeout(this.handshakeTimer);
      const { width, height, name, serverInit } = step.result;
      this.width = width;
      this.height = height;
      // The desktop's format does not matter: the filter measures what we asked for below.
      this.filter = new ServerMessageFilter({ bitsPerPixel: 32, depth: 24, trueColour: true, max255: true });
      void serverInit;
      this.o.link.send(Buffer.concat([SET_PIXEL_FORMAT, setEncodings(RECORDING_ENCODINGS), updateRequest(false, width, height)]));
      this.lastAsk = Date.now();
      this.cb.onInit({ width, height, name });
      if (step.result.leftover.length > 0 && !this.done) this.feed(step.result.leftover);
      return;
    }
    this.feed(chunk);
  }

  private feed(chunk: Buffer): void {
    const f = this.filter!;
    const r = f.push(chunk, (slice) => {
      this.pending.push(slice);
      this.pendingLen += slice.length;
    });
    if (!r.ok) return this.fail(r.error);
    if (this.pendingLen > MAX_RECORD_BYTES) return this.fail(`an RFB message over ${MAX_RECORD_BYTES} bytes`);
    if (f.atMessageBoundary && this.pendingLen > 0) {
      const slices = this.pending;
      const len = this.pendingLen;
      this.pending = [];
      this.pendingLen = 0;
      this.cb.onRecord(slices, len);
    }
    // A resized desktop: ask for the whole new screen from now on.
    if (f.desktopSize) {
      this.width = f.desktopSize.width;
      this.height = f.desktopSize.height;
      f.desktopSize = null;
    }
    if (f.completedUpdates > this.askedAfter) {
      this.askedAfter = f.completedUpdates;
      this.askNext();
    }
  }

  private askNext(): void {
    if (this.done || this.askTimer) return;
    const wait = this.lastAsk + this.o.minFrameIntervalMs - Date.now();
    const ask = () => {
      this.askTimer = null;
      if (this.done) return;
      this.lastAsk = Date.now();
      this.o.link.send(updateRequest(true, this.width, this.height));
    };
    if (wait <= 0) ask();
    else this.askTimer = setTimeout(ask, wait);
  }

  private stopTimers(): void {
    clearTimeout(this.handshakeTimer);
    if (this.askTimer) clearTimeout(this.askTimer);
    this.askTimer = null;
  }

  private fail(why: string): void {
    if (this.done) return;
    this.done = true;
    this.stopTimers();
    this.o.link.close('recording stopped');
    this.cb.onEnd(why);
  }
}
