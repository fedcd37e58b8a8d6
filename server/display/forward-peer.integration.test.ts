// The forward's peer check with real processes: a stand-in "guacd" (a process that forks a child
// per connection, as guacd does) and an intruder racing it to the forward's port. Real sockets,
// real /proc; the target is a TCP echo server on loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { socketLink } from '../relay/desktop-link.ts';
import { openForward, type Forward } from './forward.ts';
import { guacdOnly } from './peer-check.ts';

/** Connects to the port in argv, writes "ping", prints what comes back. */
const CONNECTOR = `const s = require('net').connect(Number(process.argv[1]), '127.0.0.1', () => s.write('ping'));
s.on('data', (d) => process.stdout.write(String(d))); s.on('error', () => {}); s.on('close', () => process.stdout.write('[closed]'));`;
/** Like guacd: waits for a port on stdin, then forks a child that makes the connection. */
const FORKER = `process.stdin.once('data', (d) => require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(CONNECTOR)}, String(d).trim()], { stdio: ['ignore', 'inherit', 'inherit'] }));
setInterval(() => {}, 1 << 30);`;

const procs: ChildProcess[] = [];
let target: Server | undefined;
let fwd: Forward | undefined;
afterEach(() => {
  fwd?.close('test over');
  target?.close();
  for (const p of procs.splice(0)) {
    try {
      if (p.pid) process.kill(-p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function run(code: string, ...args: string[]): { p: ChildProcess; out: () => string } {
  const p = spawn(process.execPath, ['-e', code, ...args], { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
  procs.push(p);
  let out = '';
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return { p, out: () => out };
}

async function until(what: string, test: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function echoLink() {
  target = createServer((s) => s.pipe(s));
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  const s = connect((target.address() as { port: number }).port, '127.0.0.1');
  await once(s, 'connect');
  return socketLink(s);
}

describe('the forward keeps its one connection for guacd', () => {
  it('refuses a local process that connects first (warning with its pid, metric), and the guacd child still gets through', async () => {
    const lines: { msg: string; peerPid?: number }[] = [];
    const log = createLogger({
      level: 'warn',
      destination: new Writable({ write: (c: Buffer, _e, cb) => (lines.push(JSON.parse(c.toString())), cb()) }),
    });
    const guacd = run(FORKER);
    let refused = 0;
    fwd = await openForward({
      link: await echoLink(),
      log,
      ...guacdOnly(
        () => guacd.p.pid,
        () => refused++,
      ),
    });

    const intruder = run(CONNECTOR, String(fwd.port));
    await until('the intruder to be turned away', () => intruder.out().includes('[closed]'));
    expect(intruder.out()).toBe('[closed]'); // nothing of the target reached it
    expect(refused).toBe(1);
    expect(lines.find((l) => /not guacd/.test(l.msg))?.peerPid).toBe(intruder.p.pid);

    guacd.p.stdin!.write(`${fwd.port}\n`);
    await until('the echo through the forward', () => guacd.out().includes('ping'));
  });

  it('without a pid to check (external guacd) the first loopback peer is taken, as before', async () => {
    fwd = await openForward({
      link: await echoLink(),
      log: createLogger({ level: 'silent' }),
      ...guacdOnly(
        () => null,
        () => undefined,
      ),
    });
    const anyone = run(CONNECTOR, String(fwd.port));
    await until('the echo', () => anyone.out().includes('ping'));
  });
});
