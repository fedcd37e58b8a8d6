// A WebSocket-like channel that noVNC's RFB accepts instead of a live socket (noVNC's Websock checks
// for send/close/binaryType/on*/protocol/readyState). It plays the server side of the handshake
// itself (RFB 003.008, security None, ServerInit from a segment record in rgbx32), then the player
// pushes the recorded server bytes with deliver(). Whatever noVNC sends is dropped: no input leaves.
import type { SegmentInfo } from './dprec.ts';

type Phase = 'version' | 'security' | 'clientInit' | 'streaming' | 'closed';

const enc = new TextEncoder();

/** ServerInit with the pixel format the recorder asked for (docs/recording-format.md, `rgbx32`). */
export function serverInit(s: SegmentInfo): Uint8Array {
  const name = enc.encode(s.name).subarray(0, 256);
  const out = new Uint8Array(24 + name.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, s.width);
  v.setUint16(2, s.height);
  out.set([32, 24, 0, 1], 4); // bpp, depth, little-endian, true colour
  v.setUint16(8, 255);
  v.setUint16(10, 255);
  v.setUint16(12, 255);
  out.set([0, 8, 16], 14); // red, green, blue shifts; 3 bytes padding follow
  v.setUint32(20, name.length);
  out.set(name, 24);
  return out;
}

export class RecordedRfbChannel {
  // The property names noVNC checks for; `protocol` and `binaryType` are only read or set by it.
  binaryType = 'arraybuffer';
  protocol = '';
  readyState: 'open' | 'closed' = 'open';
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: Uint8Array }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;

  private phase: Phase = 'version';
  /** Client bytes still expected in the current handshake phase. */
  private want = 12;

  constructor(private readonly segment: SegmentInfo) {
    // noVNC attaches in its constructor and, seeing 'open', waits for the server's version.
    this.toClient(enc.encode('RFB 003.008\n'));
  }

  /** Data records go straight to noVNC once the handshake is done; before that they would confuse it. */
  deliver(bytes: Uint8Array): void {
    if (this.phase !== 'streaming') throw new Error(`recorded data before the handshake finished (${this.phase})`);
    this.toClient(bytes);
  }

  get streaming(): boolean {
    return this.phase === 'streaming';
  }

  send(data: ArrayBufferView | ArrayBuffer): void {
    let n = data.byteLength;
    while (n > 0 && this.phase !== 'streaming' && this.phase !== 'closed') {
      const used = Math.min(n, this.want);
      n -= used;
      this.want -= used;
      if (this.want === 0) this.advance();
    }
  }

  close(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.readyState = 'closed';
    queueMicrotask(() => this.onclose?.({ code: 1000, reason: '', wasClean: true }));
  }

  private advance(): void {
    switch (this.phase) {
      case 'version':
        this.phase = 'security';
        this.want = 1;
        this.toClient(new Uint8Array([1, 1])); // one security type: None
        break;
      case 'security':
        this.phase = 'clientInit';
        this.want = 1;
        this.toClient(new Uint8Array([0, 0, 0, 0])); // SecurityResult OK
        break;
      case 'clientInit':
        this.phase = 'streaming';
        this.toClient(serverInit(this.segment));
        break;
      default:
        break;
    }
  }

  private toClient(bytes: Uint8Array): void {
    // Always later, in order: answering inside noVNC's own send() would re-enter its message loop.
    queueMicrotask(() => {
      // Websock copies `new Uint8Array(data)` into its queue, so a view is enough here.
      if (this.phase !== 'closed') this.onmessage?.({ data: bytes });
    });
  }
}
