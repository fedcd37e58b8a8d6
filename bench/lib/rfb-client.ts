// The bench viewer: one RFB client over direct TCP, over websockify, or over Deskport's /ws/vnc.
// It does the handshake each path needs (VncAuth itself toward the fake server, directly or
// through websockify, which does not terminate RFB; None toward Deskport, which does), then
// parses the server stream without copying pixel bytes: it counts bytes, reads the timestamp the
// fake server put at the start of each update, and matches fence replies to pings.
import { DesktopHandshake } from '../../server/rfb/handshake.ts';
import { noneHandshake, tcp, ws, type Transport } from './rfb-transport.ts';
import { nowUs } from './stats.ts';
import { Cmd, FENCE, FBU, pingFence, PLAIN_PASSWORD, rateFence, streamFence } from './wire.ts';

export type Target = { kind: 'tcp'; port: number } | { kind: 'websockify'; url: string } | { kind: 'deskport'; url: string };

export class BenchViewer {
  /** Server bytes received after the handshake. */
  bytes = 0;
  updates = 0;
  /** Called when a whole update arrived, with its one-way delay in µs (steady streams only). */
  onUpdate: ((delayUs: number, bytes: number) => void) | null = null;
  private stamped = false;
  private pingWait: { seq: number; t0: number; resolve: (us: number) => void } | null = null;
  private pingSeq = 0;
  private fenceWait = new Map<number, (p: Buffer) => void>();
  // Parser state: `want` header bytes into `hdr`, or `skip` pixel bytes.
  private st: 'type' | 'fbu' | 'rect' | 'stamp' | 'skip' | 'fence' | 'fencePayload' = 'type';
  private hdr = Buffer.alloc(80);
  private have = 0;
  private want = 1;
  private rects = 0;
  private skip = 0;
  private stamp = 0;
  private updateBytes = 0;
  error: string | null = null;

  private constructor(private readonly t: Transport) {}

  static async connect(target: Target, timeoutMs = 20_000): Promise<BenchViewer> {
    const t = target.kind === 'tcp' ? await tcp(target.port) : await ws(target.url, timeoutMs);
    const v = new BenchViewer(t);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => (t.close(), reject(new Error('RFB handshake timed out'))), timeoutMs);
      void t.closed.then((why) => (clearTimeout(timer), reject(new Error(`closed during the handshake: ${why}`))));
      const finish = (rest: Buffer) => {
        clearTimeout(timer);
        handler = (b) => v.feed(b);
        // SetEncodings: raw and the Fence pseudo-encoding (-312), as a viewer would: the gateway only
        // forwards ClientFence (our commands and pings) after the viewer announced it.
        t.send(Buffer.from([2, 0, 0, 2, 0, 0, 0, 0, 0xff, 0xff, 0xfe, 0xc8]));
        if (rest.length) v.feed(rest);
        resolve();
      };
      let handler: (b: Buffer) => void;
      if (target.kind === 'deskport') {
        const hs = noneHandshake();
        handler = (b) => {
          const r = hs(b);
          for (const s of r.send) t.send(s);
          if (r.error) return (clearTimeout(timer), t.close(), reject(new Error(r.error)));
          if (r.done) finish(r.rest!);
        };
      } else {
        const hs = new DesktopHandshake(PLAIN_PASSWORD);
        handler = (b) => {
          const step = hs.feed(b);
          for (const s of step.send) t.send(s);
          if (step.status === 'failed') return (clearTimeout(timer), t.close(), reject(new Error(step.error.message)));
          if (step.status === 'done') finish(step.result.leftover);
        };
      }
      t.onData((b) => handler(b));
    });
    return v;
  }

  get closed(): Promise<string> {
    return this.t.closed;
  }

  send(b: Buffer): void {
    this.t.send(b);
  }

  /** One round trip of a 25-byte fence through the path, in µs. One at a time per viewer. */
  ping(): Promise<number> {
    const seq = ++this.pingSeq;
    return new Promise((resolve) => {
      this.pingWait = { seq, t0: nowUs(), resolve };
      this.t.send(pingFence(seq));
    });
  }

  get pinging(): boolean {
    return this.pingWait !== null;
  }

  /** Asks for `total` bytes of `payload`-byte updates; resolves when the last one arrived. */
  async stream(total: number, payload: number): Promise<{ us: number; bytes: number }> {
    this.stamped = false;
    const b0 = this.bytes;
    const t0 = nowUs();
    const done = this.nextFence(Cmd.Done);
    this.t.send(streamFence(payload, total));
    await done;
    return { us: nowUs() - t0, bytes: this.bytes - b0 };
  }

  /** Starts a steady stream; resolves with the server's sent/skipped counts when it ends. */
  async steady(payload: number, ups: number, ms: number): Promise<{ sent: number; skipped: number }> {
    this.stamped = true;
    const end = this.nextFence(Cmd.End);
    this.t.send(rateFence(payload, ups, ms));
    const p = await end;
    return { sent: p.readUInt32BE(1), skipped: p.readUInt32BE(5) };
  }

  pause(): void {
    this.t.pause();
  }

  resume(): void {
    this.t.resume();
  }

  close(): void {
    this.t.close();
  }

  private nextFence(cmd: number): Promise<Buffer> {
    return new Promise((resolve) => this.fenceWait.set(cmd, resolve));
  }

  private onFence(p: Buffer): void {
    if (p[0] === Cmd.Ping && this.pingWait && p.readUInt32BE(1) === this.pingWait.seq) {
      const w = this.pingWait;
      this.pingWait = null;
      w.resolve(nowUs() - w.t0);
      return;
    }
    const w = this.fenceWait.get(p[0]!);
    if (w) {
      this.fenceWait.delete(p[0]!);
      w(Buffer.from(p));
    }
  }

  private header(n: number, st: BenchViewer['st']): void {
    this.st = st;
    this.want = n;
    this.have = 0;
  }

  private feed(b: Buffer): void {
    this.bytes += b.length;
    let off = 0;
    while (off < b.length) {
      if (this.st === 'skip') {
        const n = Math.min(this.skip, b.length - off);
        this.skip -= n;
        off += n;
        if (this.skip === 0) this.rectDone();
        continue;
      }
      const n = Math.min(this.want - this.have, b.length - off);
      b.copy(this.hdr, this.have, off, off + n);
      this.have += n;
      off += n;
      if (this.have < this.want) return;
      this.parsed();
      if (this.error) return;
    }
  }

  private parsed(): void {
    const h = this.hdr;
    switch (this.st) {
      case 'type':
        if (h[0] === FBU) return this.header(3, 'fbu');
        if (h[0] === FENCE) return this.header(8, 'fence');
        this.error = `unexpected server message type ${h[0]}`;
        return this.t.close();
      case 'fbu':
        this.rects = h.readUInt16BE(1);
        this.updateBytes = 4;
        return this.rects ? this.header(12, 'rect') : this.header(1, 'type');
      case 'rect': {
        const payload = h.readUInt16BE(4) * h.readUInt16BE(6) * 4;
        this.updateBytes += 12 + payload;
        this.skip = payload;
        if (payload >= 8) {
          this.skip = payload - 8;
          return this.header(8, 'stamp');
        }
        this.st = 'skip';
        if (this.skip === 0) this.rectDone();
        return;
      }
      case 'stamp':
        this.stamp = h.readDoubleLE(0);
        this.st = 'skip';
        if (this.skip === 0) this.rectDone();
        return;
      case 'fence':
        return h[7] ? this.header(h[7], 'fencePayload') : (this.onFence(Buffer.alloc(1)), this.header(1, 'type'));
      case 'fencePayload':
        this.onFence(h.subarray(0, this.want));
        return this.header(1, 'type');
      case 'skip':
        return;
    }
  }

  private rectDone(): void {
    if (--this.rects > 0) return this.header(12, 'rect');
    this.updates++;
    if (this.stamped && this.onUpdate) this.onUpdate(nowUs() - this.stamp, this.updateBytes);
    this.header(1, 'type');
  }
}
