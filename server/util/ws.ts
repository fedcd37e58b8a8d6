// Small WebSocket helpers shared by the relay, the agent hub and the agent.
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';

/** Close reasons are capped at 123 bytes by the protocol; ws throws past that. Never throws. */
export function closeWs(ws: WebSocket, code: number, reason: string): void {
  let r = reason;
  while (Buffer.byteLength(r) > 123) r = r.slice(0, -1);
  try {
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, r);
  } catch {
    ws.terminate();
  }
}

/** Refuses an HTTP upgrade with a plain status line and a one-line reason. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const text = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 503: 'Service Unavailable' }[status] ?? 'Error';
  const body = JSON.stringify({ error: { code: text.toLowerCase().replace(/ /g, '_'), message: reason } });
  if (socket.writable) {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
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
