// The bench viewer: one RFB client over direct TCP, over websockify, or over Deskport's /ws/vnc.
// It does the handshake each path needs (VncAuth itself toward the fake server, directly or
// through websockify, which does not terminate RFB; None toward Deskport, which does), then
// parses the server stream without copying pixel bytes: it counts bytes, reads the timestamp the
// fake server put at the start of each update, and matches fence replies to pings.
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { ByteQueue } from '../../server/rfb/byte-queue.ts';
import { DesktopHandshake } from '../../server/rfb/handshake.ts';
import { nowUs } from './stats.ts';
import { Cmd, FENCE, FBU, pingFence, PLAIN_PASSWORD, rateFence, streamFence } from './wire.ts';

export type Target =
  | { kind: 'tcp'; port: number }
  | { kind: 'websockify'; url: string }
  | { kind: 'deskport'; url: string };

interface Transport {
  send(b: Buffer): void;
  onData(cb: (b: Buffer) => void): void;
  pause(): void;
  resume(): void;
  close(): void;
  closed: Promise<string>;
}

/** Subscribes at once; data that arrives before the consumer's callback is set is queued for it. */
function early(subscribe: (cb: (b: Buffer) => void) => void): (cb: (b: Buffer) => void) => void {
  let queued: Buffer[] | null = [];
  let consumer: ((b: Buffer) => void) | null = null;
  subscribe((b) => (consumer ? consumer(b) : queued!.push(b)));
  return (cb) => {
    consumer = cb;
    for (const b of queued ?? []) cb(b);
    queued = null;
  };
}

function tcp(port: number): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect({ host: '127.0.0.1', port, noDelay: true });
    const closed = new Promise<string>((r) => s.once('close', () => r('tcp closed')));
    s.once('error', reject);
    s.once('connect', () => {
      s.off('error', reject);
      s.on('error', () => undefined);
      resolve({ send: (b) => void s.write(b), onData: early((cb) => void s.on('data', cb)), pause: () => void s.pause(), resume: () => void s.resume(), close: () => s.destroy(), closed });
    });
  });
}

function ws(url: string, timeoutMs: number): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const w = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    w.binaryType = 'nodebuffer';
    const closed = new Promise<string>((r) => w.once('close', (code, why) => r(`ws closed ${code} ${why.toString()}`)));
    // The first frame can arrive in the same read as the upgrade response, i.e. before anyone
    // had a chance to listen after 'open': listen from the start and hand over what came early.
    const onData = early((cb) => void w.on('message', (d: Buffer) => cb(d)));
    w.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    w.once('error', reject);
    w.once('open', () => {
      w.off('error', reject);
      w.on('error', () => undefined);
      resolve({ send: (b) => w.send(b), onData, pause: () => w.pause(), resume: () => w.resume(), close: () => w.terminate(), closed });
    });
  });
}

/** The client half of Deskport's None handshake (the gateway already authenticated the ticket). */
function noneHandshake(): (b: Buffer) => { send: Buffer[]; done: boolean; rest?: Buffer; error?: string } {
  const q = new ByteQueue();
  let st: 'version' | 'types' | 'result' | 'init' = 'version';
  return (b) => {
    q.push(b);
    const send: Buffer[] = [];
    for (;;) {
      if (st === 'version') {
        const v = q.take(12);
        if (!v) return { send, done: false };
        send.push(Buffer.from('RFB 003.008\n', 'latin1'));
        st = 'types';
      } else if (st === 'types') {
        const h = q.peek(1);
        if (!h || !q.peek(1 + h[0]!)) return { send, done: false };
        const t = q.take(1 + h[0]!)!;
        if (![...t.subarray(1)].includes(1)) return { send, done: false, error: `no None in ${[...t.subarray(1)].join(',')}` };
        send.push(Buffer.from([1]));
        st = 'result';
      } else if (st === 'result') {
        const r = q.take(4);
        if (!r) return { send, done: false };
        if (r.readUInt32BE(0) !== 0) return { send, done: false, error: 'security result failed' };
        send.push(Buffer.from([1])); // ClientInit, shared
        st = 'init';
      } else {
        const h = q.peek(24);
        if (!h) return { send, done: false };
        const si = q.take(24 + h.readUInt32BE(20));
        if (!si) return { send, done: false };
        return { send, done: true, rest: q.drain() };
      }
    }
  };
}

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
        t.send(Buffer.from([2, 0, 0, 1, 0, 0, 0, 0])); // SetEncodings: raw, as a viewer would
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
