// Follows the desktop→viewer RFB stream so the gateway can withhold the desktop's clipboard
// (ServerCutText, plain or extended): all of it from people who only watch, and what the session's
// clipboard policy refuses (direction, size cap) from control viewers. RFB has no framing, so finding
// the next message means knowing the length of every rectangle before it; a filtered viewer is
// therefore only allowed encodings whose lengths are readable without decoding pixels
// (VIEW_ENCODINGS, CONTROL_ENCODINGS in measured-encodings.ts): the relay rewrites its SetEncodings to those. Anything else
// from the desktop is an error, never a guess.
import { Caps, Encoding, ServerMessageType as S } from './constants.ts';
import type { PixelFormatInfo } from './measured-encodings.ts';
import type { CutTextVerdict } from './clipboard.ts';

/** How a control viewer's clipboard is judged: whole ServerCutText messages, header included. */
export interface CutTextJudge {
  judge(msg: Buffer): CutTextVerdict;
  /** Plain texts longer than this are dropped from their header alone (the cap). */
  maxBytes: number;
  /** Extended payloads up to this are gathered and judged; longer ones are dropped unread. */
  gatherLimit: number;
}

/** What to do with the bytes of the current message. `gather`: held until the message is whole. */
type Disposition = 'forward' | 'drop' | 'gather';

type Step =
  | { kind: 'type' }
  | { kind: 'head'; type: number; need: number }
  | { kind: 'rect' }
  | { kind: 'rectHead'; encoding: number; need: number }
  | { kind: 'tight'; w: number; h: number; phase: 'ctl' | 'filter' | 'palette' }
  | { kind: 'compact'; got: number; value: number };

export type FilterResult = { ok: true } | { ok: false; error: string };

/**
 * Streaming filter: push() each chunk from the desktop in order; `emit` receives the slices to
 * forward (views into the chunk, no copies) with withheld messages cut out. Only the few header
 * bytes that straddle two chunks are copied, into a fixed scratch buffer.
 */
export class ServerMessageFilter {
  private step: Step = { kind: 'type' };
  /** Payload bytes still to pass before `step` runs, and whether they are forwarded. */
  private remaining = 0;
  private disposition: Disposition = 'forward';
  /** Rectangles of the current FramebufferUpdate not yet started (0 outside an update). */
  private rectsLeft = 0;
  private readonly scratch = Buffer.alloc(16);
  private scratchLen = 0;
  private bpp = 4;
  private tpixel = 3;
  private withheld = 0;
  private inUpdate = false;
  private updates = 0;
  private blocked = 0;
  /** The header and payload pieces of an extended ServerCutText being gathered. */
  private gathered: Buffer[] = [];
  private pendingEmit: Buffer | null = null;
  /** The framebuffer size the last DesktopSize / ExtendedDesktopSize rectangle announced. */
  desktopSize: { width: number; height: number } | null = null;

  /** Without `clipboard` every ServerCutText is withheld (view viewers). */
  constructor(
    pixelFormat: PixelFormatInfo,
    private readonly clipboard?: CutTextJudge,
  ) {
    this.setPixelFormat(pixelFormat);
  }

  /** The viewer's SetPixelFormat: later updates use it (noVNC sends it before its first request). */
  setPixelFormat(pf: PixelFormatInfo): void {
    this.bpp = Math.max(1, pf.bitsPerPixel >> 3);
    // Tight's TPIXEL: 3 bytes for 32-bit true colour of depth 24 with 8-bit channels.
    this.tpixel = pf.bitsPerPixel === 32 && pf.depth === 24 && pf.trueColour && pf.max255 ? 3 : this.bpp;
  }

  /** True between messages: everything pushed so far forms whole messages (the recorder cuts records here). */
  get atMessageBoundary(): boolean {
    return this.step.kind === 'type' && this.remaining === 0 && this.scratchLen === 0;
  }

  /** FramebufferUpdate messages completed so far (the recorder asks for the next one after each). */
  get completedUpdates(): number {
    return this.updates;
  }

  /** ServerCutText messages withheld so far (every one, for a view viewer). */
  get withheldMessages(): number {
    return this.withheld;
  }

  /** ServerCutText messages the clipboard policy refused so far (control viewers). */
  get blockedMessages(): number {
    return this.blocked;
  }

  push(chunk: Buffer, emit: (slice: Buffer) => void): FilterResult {
    let pos = 0;
    let runStart = 0; // start of the forwarded run not yet emitted
    const flush = (end: number) => {
      if (end > runStart) emit(runStart === 0 && end === chunk.length ? chunk : chunk.subarray(runStart, end));
    };
    while (pos < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - pos);
        if (this.disposition !== 'forward') {
          flush(pos);
          runStart = pos + n;
          if (this.disposition === 'gather') this.gathered.push(chunk.subarray(pos, pos + n));
        }
        pos += n;
        this.remaining -= n;
        if (this.remaining === 0) {
          if (this.disposition === 'gather') this.judgeGathered(emit);
          this.disposition = 'forward';
        }
        this.countUpdate();
        continue;
      }
      // A header field: gather `need` bytes, then decide.
      if (this.step.kind === 'type' && this.scratchLen === 0 && chunk[pos] === S.ServerCutText) {
        flush(pos); // withheld from its first byte
        this.disposition = 'drop';
      }
      const need = this.needed();
      const take = Math.min(need - this.scratchLen, chunk.length - pos);
      chunk.copy(this.scratch, this.scratchLen, pos, pos + take);
      this.scratchLen += take;
      pos += take;
      if (this.disposition === 'drop') runStart = pos;
      if (this.scratchLen < need) break;
      this.scratchLen = 0;
      const err = this.decide();
      if (err) return { ok: false, error: err };
      if (this.pendingEmit) {
        emit(this.pendingEmit); // an allowed plain text's header, withheld while it was judged
        this.pendingEmit = null;
      }
      this.countUpdate();
    }
    flush(pos);
    return { ok: true };
  }

  private countUpdate(): void {
    if (this.inUpdate && this.atMessageBoundary) {
      this.inUpdate = false;
      this.updates++;
    }
  }

  private needed(): number {
    const s = this.step;
    switch (s.kind) {
      case 'head':
      case 'rectHead':
        return s.need;
      case 'rect':
        return 12;
      default:
        return 1;
    }
  }

  /** The scratch holds the bytes the current step needed. Returns an error, or null. */
  private decide(): string | null {
    const b = this.scratch;
    const s = this.step;
    switch (s.kind) {
      case 'type':
        return this.onType(b[0] as number);
      case 'head':
        return this.onHead(s.type);
      case 'rect':
        this.rectsLeft--;
        return this.onRect(b.readInt32BE(8), b.readUInt16BE(4), b.readUInt16BE(6));
      case 'rectHead':
        // ExtendedDesktopSize: number of screens, 16 bytes each; ZRLE and DesktopName: a u32 length.
        return this.payload(s.encoding === Encoding.ExtendedDesktopSize ? 16 * (b[0] as number) : b.readUInt32BE(0));
      case 'tight':
        return this.onTight(s, b[0] as number);
      case 'compact': {
        // Tight's compact length: 7 bits per byte, high bit = more; the third byte is whole.
        const byte = b[0] as number;
        const value = s.value | ((s.got === 2 ? byte : byte & 0x7f) << (7 * s.got));
        if (s.got < 2 && byte & 0x80) {
          this.step = { kind: 'compact', got: s.got + 1, value };
          return null;
        }
        return this.payload(value);
      }
    }
  }

  private onType(type: number): string | null {
    switch (type) {
      case S.FramebufferUpdate:
        return this.head(type, 3);
      case S.SetColourMapEntries:
        return this.head(type, 5);
      case S.ServerCutText:
        return this.head(type, 7);
      case S.ServerFence:
        return this.head(type, 8);
      case S.Xvp:
        return this.head(type, 3);
      case S.Bell:
      case S.EndOfContinuousUpdates:
        return this.payload(0);
      default:
        return `unknown server message type ${type}`;
    }
  }

  private head(type: number, need: number): null {
    this.step = { kind: 'head', type, need };
    return null;
  }

  private onHead(type: number): string | null {
    const b = this.scratch;
    switch (type) {
      case S.FramebufferUpdate:
        this.inUpdate = true;
        this.rectsLeft = b.readUInt16BE(1);
        return this.payload(0);
      case S.SetColourMapEntries:
        return this.payload(6 * b.readUInt16BE(3));
      case S.ServerCutText:
        return this.onCutText(b.readInt32BE(3));
      case S.ServerFence: {
        const n = b[7] as number;
        if (n > Caps.fencePayloadBytes) return `ServerFence payload of ${n} bytes (limit ${Caps.fencePayloadBytes})`;
        return this.payload(n);
      }
      default: // Xvp: fixed length
        return this.payload(0);
    }
  }

  /** The header was withheld from its first byte; the policy decides what follows. */
  private onCutText(length: number): null {
    // |length|: negative is the extended clipboard format.
    const n = Math.abs(length);
    const c = this.clipboard;
    this.payload(n);
    if (!c) {
      this.withheld++;
      this.disposition = n > 0 ? 'drop' : 'forward';
      return null;
    }
    const header = Buffer.alloc(8);
    header[0] = S.ServerCutText;
    this.scratch.copy(header, 1, 0, 7);
    if (length >= 0 && n <= c.maxBytes) {
      // A plain text under the cap: whether it may cross depends on direction only; the payload then passes uncopied.
      if (c.judge(header) === 'forward') {
        this.disposition = 'forward';
        this.pendingEmit = header;
        return null;
      }
    } else if (length < 0 && n <= c.gatherLimit) {
      this.gathered = [header];
      this.disposition = 'gather';
      return null;
    }
    this.blocked++;
    this.disposition = n > 0 ? 'drop' : 'forward';
    return null;
  }

  /** A whole extended ServerCutText: forwarded as one message or dropped whole. */
  private judgeGathered(emit: (slice: Buffer) => void): void {
    const msg = Buffer.concat(this.gathered);
    this.gathered = [];
    if (this.clipboard?.judge(msg) === 'forward') emit(msg);
    else this.blocked++;
  }

  private onRect(encoding: number, w: number, h: number): string | null {
    switch (encoding) {
      case Encoding.Raw:
        return this.payload(w * h * this.bpp);
      case Encoding.CopyRect:
        return this.payload(4);
      case Encoding.ExtendedDesktopSize:
        this.desktopSize = { width: w, height: h };
        this.step = { kind: 'rectHead', encoding, need: 4 };
        return null;
      case Encoding.ZRLE:
      case Encoding.DesktopName:
        this.step = { kind: 'rectHead', encoding, need: 4 };
        return null;
      case Encoding.Tight:
        this.step = { kind: 'tight', w, h, phase: 'ctl' };
        return null;
      case Encoding.Cursor:
        return this.payload(w * h * this.bpp + Math.ceil(w / 8) * h);
      case Encoding.DesktopSize:
        this.desktopSize = { width: w, height: h };
        return this.payload(0);
      case Encoding.QemuExtendedKeyEvent:
      case Encoding.Xvp:
        return this.payload(0);
      case Encoding.LastRect:
        this.rectsLeft = 0;
        return this.payload(0);
      default:
        return `a rectangle in encoding ${encoding}, which a view-only viewer does not accept`;
    }
  }

  /** Tight (RFB community spec): a control byte, then fill, JPEG or basic compression. */
  private onTight(s: Extract<Step, { kind: 'tight' }>, byte: number): string | null {
    const { w, h } = s;
    if (s.phase === 'ctl') {
      const method = byte >> 4;
      if (method === 8) return this.payload(this.tpixel); // fill
      if (method === 9) return this.compact(); // JPEG
      if (method > 9) return `Tight compression method ${method} is not part of Tight`;
      if (byte & 0x40) {
        this.step = { kind: 'tight', w, h, phase: 'filter' };
        return null;
      }
      return this.tightData(w * h * this.tpixel, 0);
    }
    if (s.phase === 'filter') {
      if (byte === 0 || byte === 2) return this.tightData(w * h * this.tpixel, 0); // copy, gradient
      if (byte !== 1) return `unknown Tight filter ${byte}`;
      this.step = { kind: 'tight', w, h, phase: 'palette' };
      return null;
    }
    // The byte is the number of colours minus one; the colours come before the data.
    const colours = byte + 1;
    return this.tightData(colours === 2 ? Math.ceil(w / 8) * h : w * h, colours * this.tpixel);
  }

  /** `before` bytes (a palette), then the data: under 12 bytes as is, else compact length + zlib data. */
  private tightData(size: number, before: number): null {
    if (size < 12) return this.payload(before + size);
    this.remaining = before;
    this.disposition = 'forward';
    return this.compact();
  }

  private compact(): null {
    this.step = { kind: 'compact', got: 0, value: 0 };
    return null;
  }

  /** Pass `n` bytes, then the next rectangle of this update or the next message. */
  private payload(n: number): null {
    this.remaining = n;
    this.disposition = 'forward';
    this.step = this.rectsLeft > 0 ? { kind: 'rect' } : { kind: 'type' };
    return null;
  }
}
