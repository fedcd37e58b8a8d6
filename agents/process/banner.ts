// Readiness: a desktop is up when its VNC server sends the RFB version banner, not when the port
// accepts a connection (a listener can accept before the server behind it is ready).
import { connect } from 'node:net';
import { sleep } from './procfs.ts';

/** Connects once and resolves true if the first bytes are an RFB banner ("RFB 003.008\n"). */
export function probeBanner(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let got = Buffer.alloc(0);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 12) done(/^RFB \d{3}\.\d{3}\n$/.test(got.subarray(0, 12).toString('latin1')));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Stops waiting early, e.g. when the server process already exited. */
  gaveUp: () => string | null;
}

/** Polls until the banner answers. Resolves null when ready, or the reason it is not. */
export async function waitForBanner(port: number, o: WaitOptions): Promise<string | null> {
  const deadline = Date.now() + o.timeoutMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 100)) {
    if (o.signal?.aborted) return 'aborted';
    const reason = o.gaveUp();
    if (reason) return reason;
    const left = deadline - Date.now();
    if (left <= 0) return `no RFB banner on 127.0.0.1:${port} after ${o.timeoutMs} ms`;
    if (await probeBanner(port, Math.min(1_000, left))) return null;
    await sleep(delay);
  }
}
