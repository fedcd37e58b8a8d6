// Transports and the None handshake for the bench viewer (rfb-client.ts): a TCP socket or a
// WebSocket behind one small interface, subscribed from the first byte so nothing arriving with
// the upgrade response is lost.
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { ByteQueue } from '../../server/rfb/byte-queue.ts';

export interface Transport {
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

export function tcp(port: number): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect({ host: '127.0.0.1', port, noDelay: true });
    const closed = new Promise<string>((r) => s.once('close', () => r('tcp closed')));
    s.once('error', reject);
    s.once('connect', () => {
      s.off('error', reject);
      s.on('error', () => undefined);
      resolve({
        send: (b) => void s.write(b),
        onData: early((cb) => void s.on('data', cb)),
        pause: () => void s.pause(),
        resume: () => void s.resume(),
        close: () => s.destroy(),
        closed,
      });
    });
  });
}

export function ws(url: string, timeoutMs: number): Promise<Transport> {
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
export function noneHandshake(): (b: Buffer) => { send: Buffer[]; done: boolean; rest?: Buffer; error?: string } {
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
