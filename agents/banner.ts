// Readiness of a desktop, for every driver: it is up when its VNC server sends the RFB version
// banner, not when something accepts the connection (a listener or docker's proxy can accept
// before the server behind it is ready). The target is a TCP port on loopback or a unix socket.
import { connect, type NetConnectOpts } from 'node:net';

export type VncTarget = { port: number } | { path: string };

const opts = (t: VncTarget): NetConnectOpts => ('port' in t ? { host: '127.0.0.1', port: t.port } : { path: t.path });
const describe = (t: VncTarget): string => ('port' in t ? `127.0.0.1:${t.port}` : t.path);

/** What a display server says first when it is ready: bytes to send on connect (if any), how many to read, and the check. */
export interface ReadyProbe {
  /** For messages: what the server should answer ("RFB banner"). */
  what: string;
  send?: Buffer;
  need: number;
  ok: (first: Buffer) => boolean;
}

/** An RFB server sends its version banner ("RFB 003.008\n") first. */
export const RFB_BANNER: ReadyProbe = {
  what: 'RFB banner',
  need: 12,
  ok: (b) => /^RFB \d{3}\.\d{3}\n$/.test(b.subarray(0, 12).toString('latin1')),
};

/** Connects once; true if the server's first `need` bytes pass the probe's check. */
export function probeServer(target: VncTarget, probe: ReadyProbe, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(opts(target));
    let got = Buffer.alloc(0);
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    if (probe.send) socket.once('connect', () => socket.write(probe.send!));
    socket.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= probe.need) done(probe.ok(got));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** A reason to stop waiting early (the server process or container already exited), or null. */
  gaveUp: () => string | null | Promise<string | null>;
  /** How often gaveUp is asked at most (it may be costly, e.g. a docker inspect). Default: every poll. */
  gaveUpEveryMs?: number;
}

/** Polls until the banner answers. Resolves null when ready, or the reason it is not. */
export const waitForBanner = (target: VncTarget, o: WaitOptions): Promise<string | null> => waitForServer(target, RFB_BANNER, o);

/** Polls until the server passes the probe. Resolves null when ready, or the reason it is not. */
export async function waitForServer(target: VncTarget, probe: ReadyProbe, o: WaitOptions): Promise<string | null> {
  const deadline = Date.now() + o.timeoutMs;
  let nextCheck = 0;
  for (let delay = 10; ; delay = Math.min(delay * 2, 50)) {
    if (o.signal?.aborted) return 'aborted';
    if (Date.now() >= nextCheck) {
      const reason = await o.gaveUp();
      if (reason) return reason;
      nextCheck = Date.now() + (o.gaveUpEveryMs ?? 0);
    }
    const left = deadline - Date.now();
    if (left <= 0) return `no ${probe.what} on ${describe(target)} after ${o.timeoutMs} ms`;
    if (await probeServer(target, probe, Math.min(1_000, left))) return null;
    await new Promise((r) => setTimeout(r, delay));
  }
}
