// A one-connection loopback forward: guacd must dial a host and port, but a desktop's RDP server is
// reachable only through its agent's stream. The gateway listens on 127.0.0.1:<random>, accepts
// exactly one connection from loopback (guacd's), stops listening at once, and pipes that
// connection to the stream with backpressure both ways. Nobody connecting in time closes it all.
// With `checkPeer` (a supervised guacd: peer-check.ts), a local process that connects first is
// refused and the forward keeps waiting for guacd.
import { createServer, type Socket } from 'node:net';
import type { Logger } from '../log.ts';
import type { DesktopLink } from '../relay/desktop-link.ts';
import type { PeerVerdict } from './peer-check.ts';

export interface ForwardOptions {
  /** The stream to the target (an agent dial-back stream, or the embedded agent's socket). */
  link: DesktopLink;
  log: Logger;
  /** Give up when nobody connects within this long. Default 10 s. */
  acceptTimeoutMs?: number;
  /** Bytes queued toward a slow side before the other side stops being read. Default 1 MiB. */
  highWaterBytes?: number;
  /** Who may take the one connection (its socket and our port); refused peers are closed and logged. */
  checkPeer?: (socket: Socket, ourPort: number) => PeerVerdict;
  /** A peer was refused by checkPeer (for the metric). */
  onRefused?: () => void;
  /**
   * A second connection is accepted (from the same checked peer) and piped to a second stream to the
   * target: guacd's SSH client opens one for the terminal and one for SFTP, both to the same host and
   * port. Ending the second leaves the first; ending the first ends both.
   */
  second?: () => Promise<DesktopLink>;
}

export interface Forward {
  /** The loopback port to point guacd at. */
  port: number;
  /** Resolves with why the forward ended (either side closed, nobody came, close()). */
  done: Promise<string>;
  /** Ends the listener, the connection and the link. Safe to call twice. */
  close(reason: string): void;
}

const LOOPBACK = new Set(['127.0.0.1', '::ffff:127.0.0.1']);

export async function openForward(o: ForwardOptions): Promise<Forward> {
  const { link, log } = o;
  const high = o.highWaterBytes ?? 1024 * 1024;
  const low = high / 4;
  let peer: Socket | undefined;
  let extra: { socket: Socket; link?: DesktopLink } | undefined;
  let ended = false;
  let acceptTimer: NodeJS.Timeout | undefined;
  let port = 0;
  let finish!: (why: string) => void;
  const done = new Promise<string>((r) => (finish = r));
  // Nothing is read from the target until guacd is there to take it.
  link.pause();

  const server = createServer({ noDelay: true });
  const end = (why: string) => {
    if (ended) return;
    ended = true;
    clearTimeout(acceptTimer);
    server.close();
    peer?.destroy();
    extra?.socket.destroy();
    extra?.link?.close(why);
    link.close(why);
    finish(why);
  };

  server.on('connection', (socket) => {
    const wanted = !peer || (o.second && !extra);
    if (!wanted || ended || !LOOPBACK.has(socket.remoteAddress ?? '')) {
      log.warn({ from: socket.remoteAddress }, 'forward: refused a connection (taken, ended, or not from loopback)');
      socket.destroy();
      return;
    }
    const verdict = o.checkPeer?.(socket, port) ?? { ok: true };
    if (!verdict.ok) {
      // Keep listening: guacd may still come before the accept timeout.
      log.warn(
        { peerPid: verdict.pid, peerPort: socket.remotePort, why: verdict.why },
        'forward: refused a local process that is not guacd',
      );
      o.onRefused?.();
      socket.destroy();
      return;
    }
    if (peer) {
      // The second (SFTP) connection: its own stream to the target; then nobody else may use this port.
      server.close();
      const x: { socket: Socket; link?: DesktopLink } = { socket };
      extra = x;
      socket.pause();
      o.second!()
        .then((l) => {
          x.link = l;
          if (ended || socket.destroyed) return l.close('forward ended');
          l.onClose(() => socket.destroy());
          l.onError((err) => log.debug({ err: err.message }, 'forward: second target stream error'));
          pipe(socket, l, () => l.close('guacd closed its second connection'));
          socket.resume();
        })
        .catch((err: Error) => {
          log.warn({ err: err.message }, 'forward: could not open a second stream to the target');
          socket.destroy();
        });
      return;
    }
    peer = socket;
    // One connection only (two with `second`): no other local process can use this port from now on.
    if (!o.second) server.close();
    clearTimeout(acceptTimer);
    pipe(socket, link, () => end('guacd closed the forwarded connection'));
  });
  server.on('error', (err) => end(`forward listener failed: ${err.message}`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  acceptTimer = setTimeout(() => end('nobody connected to the forward in time'), o.acceptTimeoutMs ?? 10_000);
  acceptTimer.unref();

  function pipe(socket: Socket, link: DesktopLink, onClose: () => void): void {
    // target → guacd
    link.onData((chunk) => {
      if (!socket.write(chunk)) {
        link.pause();
        socket.once('drain', () => link.resume());
      }
    });
    // guacd → target: pause reading guacd while the stream's send queue is above the mark.
    socket.on('data', (chunk) => {
      link.send(chunk, () => {
        if (socket.isPaused() && link.bufferedAmount < low) socket.resume();
      });
      if (link.bufferedAmount > high) socket.pause();
    });
    socket.on('close', onClose);
    socket.on('error', (err) => log.debug({ err: err.message }, 'forward: guacd side error'));
    link.resume();
  }

  link.onClose((detail) => end(`the target stream ended (${detail})`));
  link.onError((err) => log.debug({ err: err.message }, 'forward: target side error'));
  link.onProtocolError((why) => end(why));
  if (!link.open) end('the target stream was already closed');

  return { port, done, close: end };
}
