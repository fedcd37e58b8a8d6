// A small RFB viewer for system tests: connects to /ws/vnc with a ticket, does the None handshake
// the gateway offers, captures the whole framebuffer (raw encoding) and types keys. Reads the byte
// stream without framing assumptions, the way noVNC does.
import { createHash } from 'node:crypto';
import { WebSocket } from 'ws';

export class RfbViewer {
  private buf: Buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  closeInfo: { code: number; reason: string } | null = null;
  width = 0;
  height = 0;
  name = '';
  private bpp = 4;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.wake?.();
    });
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      this.wake?.();
    });
    ws.on('error', () => undefined);
  }

  /** Opens the display; rejects with the HTTP status when the upgrade is refused. */
  static async open(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<RfbViewer> {
    const ws = new WebSocket(baseUrl.replace(/^http/, 'ws') + path, { headers, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) =>
        reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })),
      );
      ws.once('error', reject);
    });
    return new RfbViewer(ws);
  }

  async read(n: number, timeoutMs = 15_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.buf.length < n) {
      if (this.closeInfo) throw new Error(`closed ${this.closeInfo.code} ${this.closeInfo.reason}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} bytes`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 50).unref();
      });
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  send(b: Buffer | number[]): void {
    this.ws.send(Buffer.from(b));
  }

  async handshake(): Promise<void> {
    const v = (await this.read(12)).toString('latin1');
    if (v !== 'RFB 003.008\n') throw new Error(`bad version ${JSON.stringify(v)}`);
    this.send(Buffer.from(v, 'latin1'));
    const n = (await this.read(1))[0]!;
    const types = [...(await this.read(n))];
    if (types.join() !== '1') throw new Error(`expected only None, got ${types.join()}`);
    this.send([1]);
    if ((await this.read(4)).readUInt32BE(0) !== 0) throw new Error('security failed');
    this.send([1]);
    const si = await this.read(24);
    this.width = si.readUInt16BE(0);
    this.height = si.readUInt16BE(2);
    this.bpp = si[4]! / 8;
    this.name = (await this.read(si.readUInt32BE(20))).toString('utf8');
    this.send([2, 0, 0, 1, 0, 0, 0, 0]); // SetEncodings: raw only
  }

  /** Requests the whole screen and returns its pixels (and a hash for comparisons). */
  async capture(): Promise<{ pixels: Buffer; hash: string; distinctColours: number }> {
    const fb = Buffer.alloc(this.width * this.height * this.bpp);
    const req = Buffer.from([3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    req.writeUInt16BE(this.width, 6);
    req.writeUInt16BE(this.height, 8);
    this.send(req);
    for (;;) {
      const type = (await this.read(1))[0];
      if (type === 2) continue; // Bell
      if (type === 3) {
        const h = await this.read(7);
        await this.read(h.readUInt32BE(3));
        continue;
      }
      if (type !== 0) throw new Error(`unexpected server message ${type}`);
      const n = (await this.read(3)).readUInt16BE(1);
      for (let i = 0; i < n; i++) {
        const r = await this.read(12);
        const [x, y, w, h, enc] = [r.readUInt16BE(0), r.readUInt16BE(2), r.readUInt16BE(4), r.readUInt16BE(6), r.readInt32BE(8)];
        if (enc !== 0) throw new Error(`unexpected encoding ${enc}`);
        const px = await this.read(w * h * this.bpp);
        for (let row = 0; row < h; row++)
          px.copy(fb, ((y + row) * this.width + x) * this.bpp, row * w * this.bpp, (row + 1) * w * this.bpp);
      }
      break;
    }
    const colours = new Set<number>();
    for (let i = 0; i < fb.length && colours.size < 64; i += this.bpp * 97) colours.add(fb.readUInt32LE(i));
    return { pixels: fb, hash: createHash('sha256').update(fb).digest('hex'), distinctColours: colours.size };
  }

  /** Waits until the desktop shows more than a flat background (the terminal window is up). */
  async waitForWindows(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.capture()).distinctColours <= 2) {
      if (Date.now() > deadline) throw new Error('the desktop showed no window in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** A left click at (x, y), as a person focusing a window would. */
  click(x: number, y: number): void {
    for (const mask of [1, 0]) {
      const m = Buffer.alloc(6);
      m[0] = 5;
      m[1] = mask;
      m.writeUInt16BE(x, 2);
      m.writeUInt16BE(y, 4);
      this.send(m);
    }
  }

  /** Types text (printable ASCII; '\n' is Return) as KeyEvent down/up pairs. */
  type(text: string): void {
    for (const ch of text) {
      const keysym = ch === '\n' ? 0xff0d : ch.charCodeAt(0);
      for (const down of [1, 0]) {
        const m = Buffer.alloc(8);
        m[0] = 4;
        m[1] = down;
        m.writeUInt32BE(keysym, 4);
        this.send(m);
      }
    }
  }

  close(): void {
    this.ws.close();
  }
}
