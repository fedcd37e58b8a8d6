// pipeWebSocketToSocket over loopback: bytes intact both ways under backpressure, and whichever
// side ends (or fails), the other is closed with a reason.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../test/helpers/xvnc.ts';
import { pipeWebSocketToSocket } from './pipe-socket.ts';
import { TestRfbClient } from '../test/helpers/rfb-client.ts';
import { closeAllPairs, closedWith, wsPair } from '../test/helpers/ws-pair.ts';

const servers: net.Server[] = [];
afterEach(async () => {
  await closeAllPairs();
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

/** A TCP "desktop" on loopback, the agent-side pipe to it, and the gateway end of the stream. */
async function setup(opts: { highWaterMark?: number; lowWaterMark?: number } = {}) {
  const accepted = new Promise<net.Socket>((resolve) => {
    const srv = net.createServer((s) => resolve(s));
    servers.push(srv);
    srv.listen(0, '127.0.0.1');
  });
  await new Promise<void>((r) => servers[servers.length - 1]?.once('listening', () => r()));
  const port = (servers[servers.length - 1]?.address() as net.AddressInfo).port;
  const [agentEnd, gatewayEnd] = await wsPair();
  const socket = net.connect(port, '127.0.0.1');
  const counts = { wsPause: 0, socketPause: 0 };
  const wsPause = agentEnd.pause.bind(agentEnd);
  agentEnd.pause = () => (counts.wsPause++, wsPause());
  const sockPause = socket.pause.bind(socket);
  socket.pause = () => (counts.socketPause++, sockPause());
  const pipe = pipeWebSocketToSocket(agentEnd, socket, opts);
  return { pipe, counts, desktop: await accepted, gateway: TestRfbClient.wrap(gatewayEnd), gatewayWs: gatewayEnd };
}

function readAll(s: net.Socket, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  return new Promise((resolve) => {
    s.on('data', function onData(d: Buffer) {
      parts.push(d);
      size += d.length;
      if (size >= n) {
        s.off('data', onData);
        resolve(Buffer.concat(parts));
      }
    });
    s.resume();
  });
}

describe('pipeWebSocketToSocket', () => {
  it('carries bytes both ways intact, pausing whichever side is read too slowly', async () => {
    const { counts, desktop, gateway, gatewayWs } = await setup({ highWaterMark: 64 * 1024, lowWaterMark: 16 * 1024 });
    desktop.pause();
    gatewayWs.pause();
    const total = 24 * 1024 * 1024;
    const up = Buffer.alloc(total, 0);
    for (let i = 0; i < total; i++) up[i] = (i * 13) & 0xff;
    const down = Buffer.from(up).reverse();
    for (let off = 0; off < total; off += 65536) gateway.send(up.subarray(off, off + 65536));
    desktop.write(down);
    await expect.poll(() => counts.wsPause > 0 && counts.socketPause > 0, { timeout: 10_000 }).toBe(true);
    gatewayWs.resume();
    const [atDesktop, atGateway] = await Promise.all([readAll(desktop, total), gateway.read(total, 20_000)]);
    expect(atDesktop.equals(up)).toBe(true);
    expect(atGateway.equals(down)).toBe(true);
  });

  it('closes the WebSocket with a reason when the desktop closes the socket', async () => {
    const { pipe, desktop, gatewayWs } = await setup();
    const closed = closedWith(gatewayWs);
    desktop.end();
    expect(await closed).toEqual({ code: 1000, reason: 'the socket peer closed the connection' });
    expect(await pipe.done).toEqual({ reason: 'the socket peer closed the connection' });
  });

  it('closes the socket when the WebSocket closes, after flushing what was sent', async () => {
    const { desktop, gateway, gatewayWs } = await setup();
    const ended = new Promise<Buffer>((resolve) => {
      const parts: Buffer[] = [];
      desktop.on('data', (d: Buffer) => parts.push(d));
      desktop.on('end', () => resolve(Buffer.concat(parts)));
    });
    gateway.send(Buffer.from('last words'));
    gatewayWs.close(1000, 'viewer left');
    expect((await ended).toString()).toBe('last words');
  });

  it('reports a socket that cannot connect as a 1011 close with the error code', async () => {
    const [agentEnd, gatewayEnd] = await wsPair();
    const closed = closedWith(gatewayEnd);
    const socket = net.connect(await freePort(), '127.0.0.1');
    pipeWebSocketToSocket(agentEnd, socket);
    expect(await closed).toEqual({ code: 1011, reason: 'socket error: ECONNREFUSED' });
  });

  it('refuses text frames on the binary stream, and close() is safe twice', async () => {
    const a = await setup();
    const closed = closedWith(a.gatewayWs);
    a.gatewayWs.send('not rfb');
    expect(await closed).toMatchObject({ code: 1003 });
    const b = await setup();
    b.pipe.close('stream revoked');
    b.pipe.close('again');
    expect(await b.pipe.done).toEqual({ reason: 'stream revoked' });
  });
});
