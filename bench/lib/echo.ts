// A TCP echo server on loopback and a sequential ping-pong client, for the forward's added round
// trip in bench/rdp.ts: the same server reached directly and through the gateway's forward.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { Samples, type Summary } from './stats.ts';

export async function startEcho(): Promise<{ port: number; close(): Promise<void> }> {
  const conns = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (s) => {
    conns.add(s);
    s.on('close', () => conns.delete(s));
    s.on('error', () => undefined);
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const s of conns) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** `n` sequential round trips of `size` bytes on one connection; microseconds each. */
export async function pingPong(port: number, n: number, size = 32): Promise<Samples> {
  const s = connect({ port, host: '127.0.0.1', noDelay: true });
  await once(s, 'connect');
  const out = new Samples(n);
  const msg = Buffer.alloc(size, 0x2a);
  let got = 0;
  let done: (() => void) | null = null;
  s.on('data', (b: Buffer) => {
    got += b.length;
    if (got >= size && done) {
      got -= size;
      const d = done;
      done = null;
      d();
    }
  });
  try {
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no echo in 10 s (round trip ${i + 1} of ${n}, ${got} bytes pending)`)), 10_000);
        done = () => (clearTimeout(timer), resolve());
        s.write(msg);
      });
      out.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  } finally {
    s.destroy();
  }
  return out;
}

/** What a path adds to the direct path, per percentile (µs). */
export function added(via: Summary, direct: Summary): { p50: number; p90: number; p99: number } {
  return { p50: via.p50 - direct.p50, p90: via.p90 - direct.p90, p99: via.p99 - direct.p99 };
}
