import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import { socketLink } from '../relay/desktop-link.ts';
import { openForward, type Forward } from './forward.ts';

// The target is a real TCP echo server on loopback; the link is the gateway's socket link to it.
let target: Server | undefined;
let fwd: Forward | undefined;
afterEach(() => {
  fwd?.close('test over');
  target?.close();
});

async function echoTarget(): Promise<number> {
  target = createServer((s) => s.pipe(s));
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  return (target.address() as { port: number }).port;
}

async function linkTo(port: number) {
  const s = connect(port, '127.0.0.1');
  await once(s, 'connect');
  return socketLink(s);
}

const dial = async (port: number): Promise<Socket> => {
  const s = connect(port, '127.0.0.1');
  await once(s, 'connect');
  return s;
};

describe('one-connection loopback forward', () => {
  it('pipes the first connection to the target, both ways, without loss', async () => {
    fwd = await openForward({ link: await linkTo(await echoTarget()), log: silentLogger(), highWaterBytes: 64 * 1024 });
    const c = await dial(fwd.port);
    const payload = Buffer.alloc(4 * 1024 * 1024, 7);
    payload.write('start');
    const got: Buffer[] = [];
    let n = 0;
    const all = new Promise<void>((resolve) =>
      c.on('data', (b) => {
        got.push(b);
        n += b.length;
        if (n >= payload.length) resolve();
      }),
    );
    c.write(payload);
    await all;
    expect(Buffer.concat(got).equals(payload)).toBe(true);
    c.destroy();
  });

  it('accepts exactly one connection: the listener is gone after it', async () => {
    fwd = await openForward({ link: await linkTo(await echoTarget()), log: silentLogger() });
    const first = await dial(fwd.port);
    const second = connect(fwd.port, '127.0.0.1');
    const [err] = (await once(second, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
    first.destroy();
  });

  it('closes the listener and the target stream when nobody connects in time', async () => {
    fwd = await openForward({ link: await linkTo(await echoTarget()), log: silentLogger(), acceptTimeoutMs: 100 });
    expect(await fwd.done).toMatch(/nobody connected/);
    const late = connect(fwd.port, '127.0.0.1');
    const [err] = (await once(late, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');
  });

  it('ends when the target side closes, and closes the guacd side', async () => {
    target = createServer((s) => s.end());
    target.listen(0, '127.0.0.1');
    await once(target, 'listening');
    fwd = await openForward({ link: await linkTo((target.address() as { port: number }).port), log: silentLogger() });
    const c = await dial(fwd.port);
    await once(c, 'close');
    expect(await fwd.done).toMatch(/target stream ended|closed/);
  });
});
