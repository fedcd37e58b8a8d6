// Connected WebSocket pairs on loopback for relay tests: one end for the code under test, the
// other for the test to play the peer. Every server is closed by closeAllPairs().
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

const servers: WebSocketServer[] = [];

/** [server-side end, client-side end], both open. */
export async function wsPair(): Promise<[WebSocket, WebSocket]> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  servers.push(wss);
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const port = (wss.address() as AddressInfo).port;
  const serverSide = new Promise<WebSocket>((r) => wss.once('connection', (ws) => r(ws)));
  const client = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  return [await serverSide, client];
}

export async function closeAllPairs(): Promise<void> {
  for (const wss of servers.splice(0)) {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  }
}

/** Resolves with the close code and reason the given end saw. */
export function closedWith(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}
