// The agent's half of a display stream: binary WebSocket frames <-> a TCP socket to the desktop's
// VNC port on host loopback. Backpressure both ways, so a slow viewer or a slow desktop makes the
// other side wait instead of growing memory; either side closing closes the other, with a reason.
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { Logger } from 'pino';
import { closeWs, isOpen, PauseGate, toBuffer } from './ws.ts';

export interface PipeOptions {
  /** Stop reading the socket while the WebSocket has more than this queued. Default 1 MiB. */
  highWaterMark?: number;
  /** Resume reading once the queue is back under this. Default 256 KiB. */
  lowWaterMark?: number;
  log?: Logger;
  /** How long socket.end() may take before the socket is destroyed. Default 2 s. */
  socketEndTimeoutMs?: number;
}

export interface PipeResult {
  reason: string;
}

export interface PipeHandle {
  /** Resolves once, when either side ended the pipe. Never rejects. */
  done: Promise<PipeResult>;
  /** Close both sides. Safe to call more than once. */
  close(reason: string): void;
}

export function pipeWebSocketToSocket(ws: WebSocket, socket: Socket, options: PipeOptions = {}): PipeHandle {
  const high = options.highWaterMark ?? 1024 * 1024;
  const low = options.lowWaterMark ?? 256 * 1024;
  if (!(low >= 0 && low < high)) throw new RangeError('pipe water marks need 0 <= lowWaterMark < highWaterMark');
  const endTimeout = options.socketEndTimeoutMs ?? 2000;
  const log = options.log;
  const wsGate = new PauseGate(ws);
  let finished = false;
  let socketPausedForWs = false;
  let resolveDone: (r: PipeResult) => void = () => {};
  const done = new Promise<PipeResult>((resolve) => (resolveDone = resolve));
  ws.binaryType = 'nodebuffer';

  function finish(reason: string, wsCode: number): void {
    if (finished) return;
    finished = true;
    log?.debug({ reason }, 'stream pipe closed');
    wsGate.releaseAll(); // so the peer's close frame is read
    closeWs(ws, wsCode, reason);
    if (!socket.destroyed) {
      // end() flushes what we already wrote (the desktop should see a clean FIN), destroy() bounds it.
      socket.end();
      socket.resume(); // read (and discard) until the peer's FIN, so the close completes
      setTimeout(() => socket.destroy(), endTimeout).unref();
    }
    resolveDone({ reason });
  }

  function onSent(err?: Error): void {
    if (err || finished) return; // a failed send means the socket is closing; 'close' reports it
    if (socketPausedForWs && ws.bufferedAmount <= low) {
      socketPausedForWs = false;
      socket.resume();
    }
  }

  ws.on('message', (data, isBinary) => {
    if (finished) return;
    if (!isBinary) return finish('text frame on a binary stream', 1003);
    if (!socket.write(toBuffer(data))) wsGate.hold('socket-full');
  });
  socket.on('drain', () => wsGate.release('socket-full'));

  socket.on('data', (chunk: Buffer) => {
    if (finished || !isOpen(ws)) return;
    ws.send(chunk, { binary: true }, onSent);
    if (!socketPausedForWs && ws.bufferedAmount > high) {
      socketPausedForWs = true;
      socket.pause();
    }
  });

  // The socket may produce data before the WebSocket is open (if handed over while connecting).
  if (ws.readyState === WebSocket.CONNECTING) {
    socket.pause();
    ws.once('open', () => {
      if (!finished) socket.resume();
    });
  }

  ws.on('close', (code, reason) => finish(`websocket closed (${code}${reason.length ? `: ${reason.toString()}` : ''})`, 1000));
  ws.on('error', (err) => finish(`websocket error: ${err.message}`, 1011));
  socket.on('end', () => finish('the socket peer closed the connection', 1000));
  socket.on('close', () => finish('the socket closed', 1000));
  socket.on('error', (err: NodeJS.ErrnoException) => finish(`socket error: ${err.code ?? err.message}`, 1011));
  if (ws.readyState === WebSocket.CLOSED) finish('websocket already closed', 1000);
  if (socket.destroyed) finish('socket already closed', 1000);

  return { done, close: (reason) => finish(reason, 1000) };
}
