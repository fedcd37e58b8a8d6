// Readiness of a docker desktop: its VNC unix socket exists (the entrypoint renames it into place
// once the background and window manager are up) and answers with the RFB version banner.
import { connect, type Socket } from 'node:net';

/** Connects once; true if the first 12 bytes are an RFB banner ("RFB 003.008\n"). */
export function probeBanner(path: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path });
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
  /** Asked every ~250 ms: a reason to stop waiting (the container exited), or null. */
  gaveUp: () => Promise<string | null>;
}

/** Polls until the banner answers. Resolves null when ready, or the reason it is not. */
export async function waitForBanner(path: string, o: WaitOptions): Promise<string | null> {
  const deadline = Date.now() + o.timeoutMs;
  let nextCheck = Date.now() + 250;
  for (let delay = 10; ; delay = Math.min(delay * 2, 50)) {
    if (o.signal?.aborted) return 'aborted';
    const left = deadline - Date.now();
    if (left <= 0) return `no RFB banner on ${path} after ${o.timeoutMs} ms`;
    if (await probeBanner(path, Math.min(1_000, left))) return null;
    if (Date.now() >= nextCheck) {
      const reason = await o.gaveUp();
      if (reason) return reason;
      nextCheck = Date.now() + 250;
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** A connected stream to the desktop's VNC server. */
export function dialSocket(path: string, timeoutMs = 5_000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path });
    const timer = setTimeout(() => socket.destroy(new Error(`connect to ${path} timed out`)), timeoutMs);
    socket.once('connect', () => (clearTimeout(timer), resolve(socket)));
    socket.once('error', (err) => (clearTimeout(timer), reject(err)));
  });
}
