// A small Guacamole protocol client over WebSocket, in Node, for tests of /ws/rdp: connects the way
// guacamole-common-js does (subprotocol "guacamole", size in the query), answers `sync`, collects
// images (img + blob + end streams) and decodes PNGs to prove pixels arrived, and sends keys and
// mouse events, or raw text for tests of bad input.
import { inflateSync } from 'node:zlib';
import WebSocket from 'ws';
import { createInstructionParser, encodeInstruction, type Instruction } from '../../server/guac/instructions.ts';

export interface DecodedImage {
  mimetype: string;
  width: number;
  height: number;
  /** Distinct pixel values (RGBA or palette index) in the image: more than one is a real picture. */
  distinct: number;
}

export interface GuacClose {
  code: number;
  reason: string;
}

interface Pending {
  mimetype: string;
  chunks: string[];
}

export class GuacClient {
  readonly ws: WebSocket;
  readonly images: DecodedImage[] = [];
  /** Every instruction received, opcode and arguments (blob data omitted). */
  readonly received: { opcode: string; args: string[] }[] = [];
  connectionId: string | null = null;
  /** PNGs this decoder could not read (a test may assert there are none). */
  readonly decodeErrors: string[] = [];
  /** The largest PNG received, for looking at when a test fails. */
  lastPng: Buffer | null = null;
  readonly closed: Promise<GuacClose>;
  private readonly streams = new Map<string, Pending>();
  private readonly waiters: { test: () => boolean; resolve: () => void }[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    const parser = createInstructionParser({ maxInstructionChars: 16 * 1024 * 1024, maxElements: 64 });
    ws.on('message', (data) => {
      for (const ins of parser.push(data.toString())) this.handle(ins);
      this.check();
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => (resolve({ code, reason: reason.toString() }), this.check())),
    );
  }

  /** Opens `path` (a ticket answer's url) on the gateway at `base`, with the display size in the query. */
  static async open(base: string, path: string, o: { width?: number; height?: number; origin?: string } = {}): Promise<GuacClient> {
    const url = `${base.replace(/^http/, 'ws')}${path}&width=${o.width ?? 1024}&height=${o.height ?? 768}&dpi=96`;
    const ws = new WebSocket(url, 'guacamole', { headers: { origin: o.origin ?? base } });
    const c = new GuacClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          reject(Object.assign(new Error(`upgrade refused: ${res.statusCode} ${body}`), { status: res.statusCode, body })),
        );
      });
    });
    return c;
  }

  /**
   * Keeps the display open as guacamole-common-js does until the socket closes: the WebSocket tunnel's
   * ping every 500 ms (the gateway's silent-viewer limit, 15 s) and the client's `nop` every 5 s. guacd
   * drops a user it has heard nothing from for 15 s ("User is not responding"); on a static screen, or
   * while a loaded machine is slow to connect the RDP session, there are no syncs to answer.
   */
  keepAlive(): this {
    let ticks = 0;
    const timer = setInterval(() => {
      this.send(encodeInstruction('', 'ping', String(Date.now())));
      if (++ticks % 10 === 0) this.send(encodeInstruction('nop'));
    }, 500);
    void this.closed.then(() => clearInterval(timer));
    return this;
  }

  /** Called with every instruction received, blob data included (file and clipboard tests). */
  readonly listeners: ((ins: Instruction) => void)[] = [];

  private handle(ins: Instruction): void {
    for (const l of this.listeners) l(ins);
    this.received.push({ opcode: ins.opcode, args: ins.opcode === 'blob' ? [ins.args[0] ?? ''] : ins.args });
    switch (ins.opcode) {
      case '':
        if (this.connectionId === null && ins.args[0]) this.connectionId = ins.args[0];
        break;
      case 'sync': // as guacamole-common-js does once a frame is drawn
        this.send(encodeInstruction('sync', ins.args[0] ?? '0'));
        break;
      case 'img': // img,stream,mask,layer,mimetype,x,y
        this.streams.set(ins.args[0] ?? '', { mimetype: ins.args[3] ?? '', chunks: [] });
        break;
      case 'blob': {
        const s = this.streams.get(ins.args[0] ?? '');
        if (s) {
          s.chunks.push(ins.args[1] ?? '');
          this.send(encodeInstruction('ack', ins.args[0] ?? '', 'OK', '0'));
        }
        break;
      }
      case 'end': {
        const s = this.streams.get(ins.args[0] ?? '');
        this.streams.delete(ins.args[0] ?? '');
        if (s?.mimetype === 'image/png') {
          try {
            const png = Buffer.from(s.chunks.join(''), 'base64');
            if (!this.lastPng || png.length > this.lastPng.length) this.lastPng = png;
            this.images.push({ mimetype: s.mimetype, ...decodePng(Buffer.from(s.chunks.join(''), 'base64')) });
          } catch (err) {
            this.decodeErrors.push((err as Error).message);
          }
        }
        break;
      }
    }
  }

  private check(): void {
    for (const w of [...this.waiters]) {
      if (w.test() || this.ws.readyState === WebSocket.CLOSED) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  /** Resolves once `test` holds (checked after each message), or rejects after `ms` or when the socket closed first. */
  async until(what: string, test: () => boolean, ms = 20_000): Promise<void> {
    if (test()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      this.waiters.push({ test, resolve: () => (clearTimeout(timer), resolve()) });
    });
    if (!test()) throw new Error(`the display closed before ${what}`);
  }

  /** Waits for a decoded PNG with real content (more than one colour, larger than a cursor). */
  async firstImage(ms = 20_000): Promise<DecodedImage> {
    const real = (i: DecodedImage) => i.distinct > 1 && i.width * i.height >= 64 * 64;
    await this.until('a PNG with pixels', () => this.images.some(real), ms);
    return this.images.find(real)!;
  }

  send(text: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  key(keysym: number, pressed: boolean): void {
    this.send(encodeInstruction('key', String(keysym), pressed ? '1' : '0'));
  }

  /** Types ASCII text; "\n" is Return. */
  type(text: string): void {
    for (const ch of text) {
      const sym = ch === '\n' ? 0xff0d : ch.charCodeAt(0);
      this.key(sym, true);
      this.key(sym, false);
    }
  }

  mouse(x: number, y: number, buttons = 0): void {
    this.send(encodeInstruction('mouse', String(x), String(y), String(buttons)));
  }

  close(): void {
    this.ws.close(1000);
  }
}

/** A minimal PNG decoder (non-interlaced; 8-bit grey, RGB, grey+alpha, RGBA; palette of 1-8 bits): enough to count colours. */
export function decodePng(buf: Buffer): { width: number; height: number; distinct: number } {
  if (buf.subarray(0, 8).toString('latin1') !== '\x89PNG\r\n\x1a\n') throw new Error('not a PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  let bitDepth = 0;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.subarray(off + 4, off + 8).toString('latin1');
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      bitDepth = data[8]!;
      colorType = data[9]!;
      if (data[12] !== 0) throw new Error('interlaced PNG');
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  if (bitDepth !== 8 && !(colorType === 3 && [1, 2, 4].includes(bitDepth)))
    throw new Error(`PNG bit depth ${bitDepth}, colour type ${colorType}`);
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  if (!channels) throw new Error(`PNG colour type ${colorType}`);
  // Filters work on bytes, with a left neighbour one pixel (at least one byte) back.
  const bpp = bitDepth === 8 ? channels : 1;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = bitDepth === 8 ? width * channels : Math.ceil((width * bitDepth) / 8);
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[y * stride + x - bpp]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + x]! : 0;
      const c = x >= bpp && y > 0 ? out[(y - 1) * stride + x - bpp]! : 0;
      const v = line[x]!;
      let r: number;
      if (filter === 0) r = v;
      else if (filter === 1) r = v + a;
      else if (filter === 2) r = v + b;
      else if (filter === 3) r = v + ((a + b) >> 1);
      else {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        r = v + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
      out[y * stride + x] = r & 0xff;
    }
  }
  const seen = new Set<string>();
  if (bitDepth === 8) for (let i = 0; i < out.length && seen.size < 64; i += bpp) seen.add(out.subarray(i, i + bpp).toString('hex'));
  else
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const bit = x * bitDepth;
        const byte = out[y * stride + (bit >> 3)]!;
        seen.add(String((byte >> (8 - bitDepth - (bit & 7))) & ((1 << bitDepth) - 1)));
      }
  return { width, height, distinct: seen.size };
}
