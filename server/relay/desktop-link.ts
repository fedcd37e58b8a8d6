// The desktop side of a display: an ordered byte stream to the desktop's VNC server. A remote
// host's desktop is reached through the agent's dial-back WebSocket (one frame per chunk); the
// gateway's own embedded agent hands over the driver's socket itself, so display bytes there skip
// two WebSocket hops (see docs/agent-protocol.md, "Streams of the embedded agent"). The relay and
// the thumbnailer only see this interface.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { closeWs, isOpen, toBuffer } from '../util/ws.ts';

export interface DesktopLink {
  /** Bytes queued toward the desktop and not yet handed to the kernel. */
  readonly bufferedAmount: number;
  readonly open: boolean;
  /** Queues bytes in order; `done` runs once they are written (or the link failed). */
  send(data: Buffer, done?: (err?: Error | null) => void): void;
  pause(): void;
  resume(): void;
  /** Ends the link; the peer sees an orderly close. Safe to call twice. */
  close(reason: string): void;
  onData(fn: (chunk: Buffer) => void): void;
  /** Called once, however the link ended; `detail` says why when known. */
  onClose(fn: (detail: string) => void): void;
  onError(fn: (err: Error) => void): void;
  /** A remote stream may deliver a text frame; a local socket never does. */
  onProtocolError(fn: (why: string) => void): void;
}

const BINARY = { binary: true } as const;

/** The agent's dial-back stream: each binary frame is a chunk of the desktop's bytes. */
export function wsLink(ws: WebSocket): DesktopLink {
  ws.binaryType = 'nodebuffer';
  let onText: (why: string) => void = () => undefined;
  let onChunk: (b: Buffer) => void = () => undefined;
  ws.on('message', (data, isBinary) => (isBinary ? onChunk(toBuffer(data)) : onText('the desktop stream sent a text frame')));
  return {
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    get open() {
      return isOpen(ws);
    },
    send: (data, done) => ws.send(data, BINARY, done),
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    close: (reason) => closeWs(ws, 1000, reason),
    onData: (fn) => void (onChunk = fn),
    onClose: (fn) => void ws.once('close', (code, why) => fn(`stream closed (${code}${why.length ? `: ${why.toString()}` : ''})`)),
    onError: (fn) => void ws.on('error', fn),
    onProtocolError: (fn) => void (onText = fn),
  };
}

/** The driver's own socket to the desktop, for desktops on the gateway's embedded agent. */
export function socketLink(socket: Socket): DesktopLink {
  socket.setNoDelay(true);
  let closed = socket.destroyed;
  const closeFns: ((detail: string) => void)[] = [];
  socket.once('close', (hadError) => {
    closed = true;
    for (const fn of closeFns) fn(hadError ? 'socket closed after an error' : 'socket closed');
  });
  return {
    get bufferedAmount() {
      return socket.writableLength;
    },
    get open() {
      return !closed && socket.writable;
    },
    send: (data, done) => void socket.write(data, done),
    pause: () => void socket.pause(),
    resume: () => void socket.resume(),
    close: () => {
      if (closed) return;
      socket.end();
      // A peer that never answers the FIN must not keep the descriptor: give it a moment.
      setTimeout(() => socket.destroy(), 2000).unref();
    },
    onData: (fn) => void socket.on('data', fn),
    onClose: (fn) => (closed ? fn('socket closed') : void closeFns.push(fn)),
    onError: (fn) => void socket.on('error', fn),
    onProtocolError: () => undefined,
  };
}
