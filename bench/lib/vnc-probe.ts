// An RFB viewer for bench/rdp.ts through the portal's /ws/vnc: the None handshake the gateway
// offers, noVNC's encodings (Tight, ZRLE, CopyRect, Raw, quality 6, compression 2), the time to the
// first FramebufferUpdate, then (busy mode) incremental requests at 60 Hz and a count of the bytes
// delivered, plus the keys and clicks that start a program in the desktop's terminal.
import WebSocket from 'ws';

const ENCODINGS = [7, 16, 1, 0, -32 + 6, -256 + 2];

export class VncProbe {
  bytes = 0;
  private buf: Buffer = Buffer.alloc(0);
  private holding = true; // the handshake and the first message are read; after that only counted
  private wake: (() => void) | null = null;
  private closedWhy: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private readonly closed: Promise<void>;
  width = 0;
  height = 0;

  private constructor(private readonly ws: WebSocket) {
    ws.binaryType = 'nodebuffer';
    ws.on('message', (d: Buffer) => {
      this.bytes += d.length;
      if (this.holding) this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.wake?.();
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((r) =>
      ws.once('close', (code, reason) => {
        this.closedWhy = `${code} ${reason.toString()}`;
        this.wake?.();
        r();
      }),
    );
  }

  static async open(base: string, path: string): Promise<VncProbe> {
    const ws = new WebSocket(base.replace(/^http/, 'ws') + path, { headers: { origin: base }, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_q, res) => reject(new Error(`/ws/vnc upgrade refused: ${res.statusCode}`)));
    });
    return new VncProbe(ws);
  }

  private async read(n: number, ms = 20_000): Promise<Buffer> {
    const deadline = Date.now() + ms;
    while (this.buf.length < n) {
      if (this.closedWhy) throw new Error(`display closed: ${this.closedWhy}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} bytes`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 100).unref();
      });
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  private send(b: Buffer): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(b);
  }

  /** Handshake, encodings, a full-screen request; resolves when the first FramebufferUpdate begins. */
  async firstUpdate(): Promise<void> {
    if ((await this.read(12)).toString('latin1') !== 'RFB 003.008\n') throw new Error('not RFB 3.8');
    this.send(Buffer.from('RFB 003.008\n', 'latin1'));
    const types = [...(await this.read((await this.read(1))[0] ?? 0))];
    if (!types.includes(1)) throw new Error(`no None security: ${types.join(',')}`);
    this.send(Buffer.from([1]));
    if ((await this.read(4)).readUInt32BE(0) !== 0) throw new Error('security refused');
    this.send(Buffer.from([1])); // shared
    const init = await this.read(24);
    await this.read(init.readUInt32BE(20));
    this.width = init.readUInt16BE(0);
    this.height = init.readUInt16BE(2);
    const enc = Buffer.alloc(4 + 4 * ENCODINGS.length);
    enc.writeUInt8(2, 0);
    enc.writeUInt16BE(ENCODINGS.length, 2);
    ENCODINGS.forEach((e, i) => enc.writeInt32BE(e, 4 + 4 * i));
    this.send(enc);
    this.request(false);
    const type = (await this.read(1))[0];
    if (type !== 0) throw new Error(`first server message is type ${type}, not a FramebufferUpdate`);
    this.holding = false;
    this.buf = Buffer.alloc(0);
  }

  request(incremental: boolean): void {
    const r = Buffer.from([3, incremental ? 1 : 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    r.writeUInt16BE(this.width, 6);
    r.writeUInt16BE(this.height, 8);
    this.send(r);
  }

  /** Keeps asking for changes like a viewer drawing at up to 60 frames per second. */
  follow(): void {
    this.timer ??= setInterval(() => this.request(true), 16);
  }

  click(x: number, y: number): void {
    for (const mask of [0, 1, 0]) {
      const b = Buffer.from([5, mask, 0, 0, 0, 0]);
      b.writeUInt16BE(x, 2);
      b.writeUInt16BE(y, 4);
      this.send(b);
    }
  }

  key(sym: number, down: boolean): void {
    const b = Buffer.from([4, down ? 1 : 0, 0, 0, 0, 0, 0, 0]);
    b.writeUInt32BE(sym, 4);
    this.send(b);
  }

  /** ASCII text as key presses; "\n" is Return. */
  type(text: string): void {
    for (const ch of text) {
      const sym = ch === '\n' ? 0xff0d : ch.charCodeAt(0);
      this.key(sym, true);
      this.key(sym, false);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close(1000);
    await this.closed;
  }
}
