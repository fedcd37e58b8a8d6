// WebSocket helpers shared by the relays, the agent hub, the display endpoint and the agent:
// closing never throws and fits the 123-byte reason limit, upgrades are refused with a JSON line,
// payloads arrive as one Buffer, and reading pauses for several independent reasons.
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { WebSocket, type RawData } from 'ws';

/** Refuses an HTTP upgrade with a plain status line and a one-line reason (`code` defaults from the status). */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, code?: string): void {
  const text =
    { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 503: 'Service Unavailable' }[status] ??
    'Error';
  const body = JSON.stringify({ error: { code: code ?? text.toLowerCase().replace(/ /g, '_'), message: reason } });
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

export function upgradePath(req: IncomingMessage): URL {
  return new URL(req.url ?? '/', 'http://gateway.invalid');
}

/**
 * A WebSocket upgrade's Origin must be the gateway's own: the public URL's origin when configured,
 * else the same host the request was sent to (scheme aside, since a TLS proxy may sit in front).
 */
export function originAllowed(publicUrl: string | undefined, hostHeader: string | undefined, origin: string): boolean {
  try {
    const o = new URL(origin);
    if (publicUrl) return o.origin === new URL(publicUrl).origin;
    return hostHeader !== undefined && o.host === hostHeader.toLowerCase();
  } catch {
    return false;
  }
}

const MAX_CLOSE_REASON_BYTES = 123;

/** Trim to what a close frame can carry, without cutting a UTF-8 character in half. */
export function closeReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES) return reason;
  let out = reason;
  while (Buffer.byteLength(out) > MAX_CLOSE_REASON_BYTES - 3) out = out.slice(0, -1);
  return `${out}...`;
}

/** Close if not already closing; any code ws rejects falls back to 1011 rather than throwing. */
export function closeWs(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === WebSocket.CLOSING || ws.readyState === WebSocket.CLOSED) return;
  try {
    ws.close(code, closeReason(reason));
  } catch {
    try {
      ws.close(1011);
    } catch {
      ws.terminate();
    }
  }
}

/** ws hands over Buffer, ArrayBuffer or Buffer[] depending on binaryType; we want one Buffer. */
export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export function isOpen(ws: WebSocket): boolean {
  return ws.readyState === WebSocket.OPEN;
}

/**
 * Pauses a WebSocket's reading while any of several independent reasons holds (handshake wait,
 * backpressure), so one reason ending does not resume reading that another still needs paused.
 */
export class PauseGate {
  private readonly reasons = new Set<string>();

  constructor(private readonly ws: { pause(): void; resume(): void }) {}

  hold(reason: string): void {
    if (this.reasons.has(reason)) return;
    this.reasons.add(reason);
    if (this.reasons.size === 1) this.ws.pause();
  }

  release(reason: string): void {
    if (!this.reasons.delete(reason)) return;
    if (this.reasons.size === 0) this.ws.resume();
  }

  /** Resume for good: a closing socket must still read, or the peer's close frame goes unseen. */
  releaseAll(): void {
    if (this.reasons.size === 0) return;
    this.reasons.clear();
    this.ws.resume();
  }

  isHeld(reason: string): boolean {
    return this.reasons.has(reason);
  }
}
