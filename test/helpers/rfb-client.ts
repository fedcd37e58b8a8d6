// A minimal RFB viewer over a WebSocket, for relay tests: None handshake, raw frames only. It reads
// the byte stream the way noVNC does (no framing), so it also checks the relay keeps the stream whole.
import { WebSocket } from 'ws';
import { toBuffer } from '../../server/util/ws.ts';

export interface ServerInitInfo {
  width: number;
  height: number;
  bitsPerPixel: number;
  name: string;
}

export interface FrameInfo {
  rects: number;
  /** Pixel bytes of raw-encoded rectangles. */
  rawBytes: number;
  ms: number;
}

export class TestRfbClient {
  // Received pieces, joined only when a read needs them (a raw frame is megabytes in ~64 KiB pieces).
  private pieces: Buffer[] = [];
  private size = 0;
  private waiter: (() => void) | null = null;
  private closeInfo: { code: number; reason: string } | null = null;
  readonly closed: Promise<{ code: number; reason: string }>;
  serverInit: ServerInitInfo | null = null;
  /** Clipboard texts (ServerCutText) the desktop sent, in order; extended ones as '<extended N bytes>'. */
  readonly cutTexts: string[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.binaryType = 'nodebuffer';
    ws.on('message', (d) => {
      const b = toBuffer(d);
      this.pieces.push(b);
      this.size += b.length;
      this.wake();
    });
    ws.on('error', () => {}); // 'close' follows and carries what tests check
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        this.wake();
        resolve(this.closeInfo);
      });
    });
  }

  /** Drive an already open WebSocket (e.g. to script a fake RFB server in tests). */
  static wrap(ws: WebSocket): TestRfbClient {
    return new TestRfbClient(ws);
  }

  static async connect(url: string): Promise<TestRfbClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new TestRfbClient(ws);
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** The next n bytes of the stream; rejects if the connection closes first. */
  async read(n: number, timeoutMs = 10_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.size < n) {
      if (this.closeInfo) throw new Error(`closed (${this.closeInfo.code} ${this.closeInfo.reason}) while waiting for ${n} bytes`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} bytes`);
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 50).unref();
      });
    }
    const all = this.pieces.length === 1 ? (this.pieces[0] as Buffer) : Buffer.concat(this.pieces, this.size);
    const rest = all.subarray(n);
    this.pieces = rest.length ? [rest] : [];
    this.size = rest.length;
    return all.subarray(0, n);
  }

  send(b: Buffer): void {
    this.ws.send(b, { binary: true });
  }

  /** RFB 3.8 with security None, shared. */
  async handshake(): Promise<ServerInitInfo> {
    const version = (await this.read(12)).toString('latin1');
    if (version !== 'RFB 003.008\n') throw new Error(`unexpected server version ${JSON.stringify(version)}`);
    this.send(Buffer.from('RFB 003.008\n', 'latin1'));
    const n = (await this.read(1))[0] ?? 0;
    const types = [...(await this.read(n))];
    if (!types.includes(1)) throw new Error(`no None security offered: ${types.join(',')}`);
    this.send(Buffer.from([1]));
    const result = (await this.read(4)).readUInt32BE(0);
    if (result !== 0) throw new Error(`security result ${result}`);
    this.send(Buffer.from([1]));
    const head = await this.read(24);
    const name = (await this.read(head.readUInt32BE(20))).toString('utf8');
    this.serverInit = { width: head.readUInt16BE(0), height: head.readUInt16BE(2), bitsPerPixel: head[4] ?? 0, name };
    return this.serverInit;
  }

  /** SetEncodings [raw] + a non-incremental request for the whole screen; read one update. */
  async fullFrame(): Promise<FrameInfo> {
    const si = this.serverInit;
    if (!si) throw new Error('handshake first');
    const started = Date.now();
    this.send(Buffer.from([2, 0, 0, 1, 0, 0, 0, 0]));
    const req = Buffer.from([3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    req.writeUInt16BE(si.width, 6);
    req.writeUInt16BE(si.height, 8);
    this.send(req);
    for (;;) {
      const type = (await this.read(1))[0];
      if (type === 0) break;
      if (type === 2 || type === 150) continue; // Bell, EndOfContinuousUpdates
      if (type === 248) {
        await this.read((await this.read(8))[7] ?? 0); // ServerFence: not answered, servers go on without
        continue;
      }
      if (type === 3) {
        const n = (await this.read(7)).readInt32BE(3);
        const text = await this.read(Math.abs(n));
        this.cutTexts.push(n < 0 ? `<extended ${-n} bytes>` : text.toString('latin1'));
        continue;
      }
      throw new Error(`unexpected server message type ${type}`);
    }
    const rects = (await this.read(3)).readUInt16BE(1);
    let rawBytes = 0;
    for (let i = 0; i < rects; i++) {
      const r = await this.read(12);
      const encoding = r.readInt32BE(8);
      if (encoding !== 0) throw new Error(`unexpected encoding ${encoding}`);
      const bytes = r.readUInt16BE(4) * r.readUInt16BE(6) * (si.bitsPerPixel / 8);
      await this.read(bytes);
      rawBytes += bytes;
    }
    return { rects, rawBytes, ms: Date.now() - started };
  }

  close(): void {
    this.ws.close();
  }
}
