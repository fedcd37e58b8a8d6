// The byte source every relay benchmark uses, standing in for a desktop's VNC server: a TCP server
// that does a real RFB 3.8 server handshake with VNC Authentication (the response is checked with
// the gateway's own vncauth.ts), then answers the bench commands of wire.ts: echo pings, bulk
// streams, and steady timestamped update streams. One program for direct TCP, websockify and the
// Deskport relay, so the bytes after the handshake are identical on every path.
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { ByteQueue } from '../../server/rfb/byte-queue.ts';
import { ClientMessageParser } from '../../server/rfb/client-messages.ts';
import { vncAuthResponse } from '../../server/rfb/vncauth.ts';
import { Cmd, FENCE, FENCE_HEADER, fence, PLAIN_PASSWORD, PREAMBLE_TAG, serverInit, updateHeader } from './wire.ts';
import { nowUs } from './stats.ts';

/** A steady stream skips an update (as a VNC server coalesces) while this much is still unsent. */
const SKIP_BACKLOG = 256 * 1024;
const TICK_MS = 2;

export interface FakeVncStats {
  connections: number;
  open: number;
  handshakeFailures: number;
  updatesSent: number;
  updatesSkipped: number;
  bytesSent: number;
  clientMessages: number;
  /** Bytes bulk streams handed to their sockets (accepted by write; what left for the viewer's path). */
  bulkBytes: number;
}

export interface FakeVnc {
  plainPort: number;
  driverPort: number;
  stats(): FakeVncStats;
  close(): Promise<void>;
}

interface Steady {
  socket: Socket;
  header: Buffer;
  rest: Buffer;
  periodUs: number;
  nextUs: number;
  endUs: number;
  sent: number;
  skipped: number;
}

const fillers = new Map<number, Buffer>();
/** Pixel bytes shared by every update of one size (never written after creation). */
function filler(n: number): Buffer {
  let b = fillers.get(n);
  if (!b) {
    b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = (i * 131 + 7) & 0xff;
    fillers.set(n, b);
  }
  return b;
}

export async function startFakeVnc(o: { host?: string } = {}): Promise<FakeVnc> {
  const host = o.host ?? '127.0.0.1';
  const stats: FakeVncStats = {
    connections: 0,
    open: 0,
    handshakeFailures: 0,
    updatesSent: 0,
    updatesSkipped: 0,
    bytesSent: 0,
    clientMessages: 0,
    bulkBytes: 0,
  };
  const steady = new Set<Steady>();
  const sockets = new Set<Socket>();

  const ticker = setInterval(() => {
    const now = nowUs();
    for (const s of steady) {
      if (s.socket.destroyed) {
        steady.delete(s);
        continue;
      }
      while (s.nextUs <= now && s.nextUs < s.endUs) {
        if (s.socket.writableLength > SKIP_BACKLOG || now - s.nextUs > 3 * s.periodUs) {
          s.skipped++;
          stats.updatesSkipped++;
        } else {
          const head = Buffer.allocUnsafe(s.header.length + 8);
          s.header.copy(head, 0);
          head.writeDoubleLE(nowUs(), s.header.length);
          s.socket.cork();
          s.socket.write(head);
          s.socket.write(s.rest);
          s.socket.uncork();
          s.sent++;
          stats.updatesSent++;
          stats.bytesSent += head.length + s.rest.length;
        }
        s.nextUs += s.periodUs;
      }
      if (s.nextUs >= s.endUs) {
        steady.delete(s);
        const p = Buffer.alloc(9);
        p[0] = Cmd.End;
        p.writeUInt32BE(s.sent, 1);
        p.writeUInt32BE(s.skipped, 5);
        if (!s.socket.destroyed) s.socket.write(fence(p));
      }
    }
  }, TICK_MS);

  async function bulk(socket: Socket, payload: number, total: number): Promise<void> {
    const msg = Buffer.concat([updateHeader(payload), filler(payload)]);
    let sent = 0;
    while (sent < total && !socket.destroyed) {
      sent += msg.length;
      stats.bytesSent += msg.length;
      stats.bulkBytes += msg.length;
      if (!socket.write(msg)) await new Promise<void>((r) => (socket.once('drain', r), socket.once('close', r)));
    }
    const p = Buffer.alloc(9);
    p[0] = Cmd.Done;
    p.writeDoubleBE(sent, 1);
    if (!socket.destroyed) socket.write(fence(p));
  }

  function onFence(socket: Socket, msg: Buffer): void {
    const len = msg[8] ?? 0;
    const p = msg.subarray(FENCE_HEADER, FENCE_HEADER + len);
    switch (p[0]) {
      case Cmd.Ping:
        socket.write(msg); // same size and payload back: a ServerFence has the ClientFence's layout
        return;
      case Cmd.Stream:
        void bulk(socket, p.readUInt32BE(1), p.readDoubleBE(5));
        return;
      case Cmd.Rate: {
        const payload = p.readUInt32BE(1);
        const ups = p.readUInt16BE(5);
        const periodUs = 1e6 / ups;
        // Start at a random phase: desktops are not synchronised with each other.
        const start = nowUs() + Math.random() * periodUs;
        steady.add({
          socket,
          header: updateHeader(payload),
          rest: filler(payload - 8),
          periodUs,
          nextUs: start,
          endUs: start + p.readUInt32BE(7) * 1000,
          sent: 0,
          skipped: 0,
        });
        return;
      }
    }
  }

  /** RFB 3.8 server side with VncAuth; resolves with bytes that followed ClientInit. */
  function handshake(socket: Socket, q: ByteQueue, password: string, onDone: (rest: Buffer) => void): (chunk: Buffer) => void {
    const challenge = randomBytes(16);
    let state: 'version' | 'type' | 'response' | 'init' = 'version';
    socket.write('RFB 003.008\n');
    const fail = (why: string) => {
      stats.handshakeFailures++;
      const r = Buffer.from(why);
      const b = Buffer.alloc(8 + r.length);
      b.writeUInt32BE(1, 0);
      b.writeUInt32BE(r.length, 4);
      r.copy(b, 8);
      socket.end(b);
    };
    return (chunk) => {
      q.push(chunk);
      for (;;) {
        if (state === 'version') {
          const v = q.take(12);
          if (!v) return;
          if (v.toString('latin1') !== 'RFB 003.008\n') return void socket.destroy();
          socket.write(Buffer.from([1, 2])); // one security type: VNC Authentication
          state = 'type';
        } else if (state === 'type') {
          const t = q.take(1);
          if (!t) return;
          if (t[0] !== 2) return fail('only VNC Authentication is offered');
          socket.write(challenge);
          state = 'response';
        } else if (state === 'response') {
          const r = q.take(16);
          if (!r) return;
          if (!vncAuthResponse(challenge, password).equals(r)) return fail('authentication failed');
          socket.write(Buffer.from([0, 0, 0, 0]));
          state = 'init';
        } else {
          if (!q.take(1)) return; // ClientInit (shared flag)
          socket.write(serverInit('deskport-bench'));
          return onDone(q.drain());
        }
      }
    };
  }

  function serve(socket: Socket, password: string, first: Buffer): void {
    const parser = new ClientMessageParser();
    const relay = (chunk: Buffer) => {
      const r = parser.push(chunk);
      for (const m of r.messages) {
        stats.clientMessages++;
        if (m.type === FENCE) onFence(socket, m.bytes);
      }
      if (!r.ok) socket.destroy();
    };
    let onData = handshake(socket, new ByteQueue(), password, (rest) => {
      onData = relay;
      if (rest.length) relay(rest);
    });
    socket.on('data', (c: Buffer) => onData(c));
    if (first.length) onData(first);
  }

  function track(socket: Socket): void {
    stats.connections++;
    stats.open++;
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      stats.open--;
      sockets.delete(socket);
    });
  }

  const plain = createServer((socket) => {
    track(socket);
    serve(socket, PLAIN_PASSWORD, Buffer.alloc(0));
  });
  // The bench driver's port: the secret the gateway chose for the desktop comes first, on one line.
  const driver = createServer((socket) => {
    track(socket);
    let pre = Buffer.alloc(0);
    const onPre = (c: Buffer) => {
      pre = Buffer.concat([pre, c]);
      const nl = pre.indexOf(10);
      if (nl < 0) return void (pre.length > 200 && socket.destroy());
      socket.off('data', onPre);
      const line = pre.subarray(0, nl).toString('utf8');
      if (!line.startsWith(PREAMBLE_TAG)) return void socket.destroy();
      serve(socket, line.slice(PREAMBLE_TAG.length), pre.subarray(nl + 1));
    };
    socket.on('data', onPre);
  });
  const listen = (s: Server) =>
    new Promise<number>((resolve, reject) => {
      s.once('error', reject);
      s.listen(0, host, () => resolve((s.address() as { port: number }).port));
    });
  const plainPort = await listen(plain);
  const driverPort = await listen(driver);
  return {
    plainPort,
    driverPort,
    stats: () => ({ ...stats }),
    async close() {
      clearInterval(ticker);
      for (const s of sockets) s.destroy();
      await Promise.all([plain, driver].map((s) => new Promise((r) => s.close(r))));
    },
  };
}
