// The supervisor with the real guacd built by infra/guacd.sh: it starts, answers the RDP handshake,
// comes back with a new pid after `kill -9`, logs guacd's own lines, and leaves no process behind;
// the external mode probes the supervised guacd's port and a closed one.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { externalGuacd } from './external.ts';
import type { Guacd, GuacdStatus } from './guacd.ts';
import { handshakeRdp } from './handshake.ts';
import { locateGuacd } from './locate.ts';
import { pidsWithArgv } from './procs.ts';
import { superviseGuacd } from './supervisor.ts';

const found = locateGuacd(loadConfig({}).guacdSearch);
if (!found.found) throw new Error('these tests need guacd: run infra/setup.sh --with-test-tools (it builds guacd with infra/guacd.sh)');
const { bin, libDir } = found;

function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: createLogger({ level: 'debug', destination: dest }), lines };
}

function until(g: Guacd & { onChange(fn: (s: GuacdStatus) => void): () => void }, ok: (s: GuacdStatus) => boolean, ms = 20_000) {
  return new Promise<GuacdStatus>((resolve, reject) => {
    if (ok(g.status())) return resolve(g.status());
    const timer = setTimeout(() => (off(), reject(new Error(`status never matched; last: ${JSON.stringify(g.status())}`))), ms);
    const off = g.onChange((s) => {
      if (!ok(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
const guacdArgv = (port: number) => [bin, '-f', '-b', '127.0.0.1', '-l', String(port), '-L', 'info'];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

describe('supervised guacd', () => {
  it('starts, answers the handshake, comes back after kill -9 with a new pid, and close() leaves nothing', async () => {
    const { log, lines } = capturedLog();
    const g = superviseGuacd({ bin, libDir, log, backoffBaseMs: 200 });
    closers.push(() => g.close());
    const first = await until(g, (s) => s.state === 'up');
    expect(first).toMatchObject({ mode: 'supervised', problem: null, restarts: 0 });
    const ep1 = g.endpoint()!;
    expect(ep1.host).toBe('127.0.0.1');
    expect(await handshakeRdp(ep1.host, ep1.port)).toMatchObject({ ok: true, version: expect.stringMatching(/^VERSION_/) });
    // guacd's own lines reached the gateway log at their level, as component guacd
    expect(lines.some((l) => l.component === 'guacd' && l.level === 30 && /Listening on host 127\.0\.0\.1/.test(String(l.msg)))).toBe(true);

    const seen: GuacdStatus[] = [];
    g.onChange((s) => seen.push(s));
    process.kill(first.pid!, 'SIGKILL');
    const again = await until(g, (s) => s.state === 'up' && s.pid !== first.pid);
    expect(seen.some((s) => s.state === 'down' && /^RDP needs guacd: it was ended by SIGKILL/.test(s.problem ?? ''))).toBe(true);
    expect(again.restarts).toBe(1);
    expect(lines.some((l) => l.component === 'guacd' && l.msg === 'guacd ended' && l.signal === 'SIGKILL')).toBe(true);
    const ep2 = g.endpoint()!;
    expect((await handshakeRdp(ep2.host, ep2.port)).ok).toBe(true);

    // a connection process of the new guacd (an RDP handshake left open), so close() has more to end
    const held = await import('node:net').then(({ connect }) => connect(ep2.port, '127.0.0.1'));
    held.on('error', () => undefined);
    held.write('6.select,3.rdp;');
    await new Promise((r) => held.once('data', r));
    expect(pidsWithArgv(guacdArgv(ep2.port)).length).toBeGreaterThanOrEqual(2); // guacd and its connection processes

    await g.close();
    held.destroy();
    expect(pidsWithArgv(guacdArgv(ep1.port))).toEqual([]);
    expect(pidsWithArgv(guacdArgv(ep2.port))).toEqual([]);
    expect(g.status().state).toBe('down');
    expect(g.endpoint()).toBeNull();
    await g.close(); // twice is fine
  });

  it('its readiness probe leaves no error line in the log (guacd’s handshake complaint is kept at debug)', async () => {
    const { log, lines } = capturedLog();
    const g = superviseGuacd({ bin, libDir, log });
    closers.push(() => g.close());
    await until(g, (s) => s.state === 'up');
    // guacd's connection process for the probe writes its line when it sees the probe leave.
    const deadline = Date.now() + 30_000;
    while (!lines.some((l) => /connect" instruction was not received/.test(String(l.msg))) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100)); // polling the log: guacd gives no other signal
    const probeLine = lines.find((l) => /connect" instruction was not received/.test(String(l.msg)));
    expect(probeLine?.level).toBe(20); // pino debug
    expect(lines.filter((l) => l.component === 'guacd' && Number(l.level) >= 50)).toEqual([]);
    await g.close();
  });

  it('a guacd that is not guacd (exits at once) is restarted with growing delays and reported down', async () => {
    const { log } = capturedLog();
    const g = superviseGuacd({ bin: '/bin/false', log, backoffBaseMs: 50, backoffCapMs: 400 });
    closers.push(() => g.close());
    const down = await until(g, (s) => (s.restarts ?? 0) >= 3);
    expect(down.state).toBe('down');
    expect(down.problem).toMatch(/^RDP needs guacd: it exited with code 1; it is restarted in \d+ s/);
  });

  it('stops the guacd an earlier gateway (killed with -9) left running, named in its state file', async () => {
    const { log } = capturedLog();
    const dir = mkdtempSync(join(tmpdir(), 'deskport-guacd-'));
    closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const argv = guacdArgv(port);
    const orphan = spawn('env', [`LD_LIBRARY_PATH=${libDir ?? ''}`, ...argv], { detached: true, stdio: 'ignore' });
    closers.push(async () => {
      if (orphan.exitCode === null && orphan.signalCode === null) process.kill(-orphan.pid!, 'SIGKILL');
    });
    const gone = new Promise((r) => orphan.once('exit', r));
    // it runs and answers, as a guacd whose gateway died would
    for (let i = 0; !(await handshakeRdp('127.0.0.1', port, 1000)).ok; i++) {
      if (i > 100) throw new Error('the stand-in guacd never answered');
      await new Promise((r) => setTimeout(r, 100)); // polling a process we cannot observe otherwise
    }
    writeFileSync(join(dir, 'guacd.json'), JSON.stringify({ pid: orphan.pid, argv }));
    const g = superviseGuacd({ bin, libDir, log, stateFile: join(dir, 'guacd.json') });
    closers.push(() => g.close());
    await gone;
    await until(g, (s) => s.state === 'up');
    expect(JSON.parse(readFileSync(join(dir, 'guacd.json'), 'utf8'))).toMatchObject({ pid: g.status().pid });
    await g.close();
    expect(existsSync(join(dir, 'guacd.json'))).toBe(false);
  });
});

describe('external guacd', () => {
  it('is up against the supervised guacd and down against a closed port', async () => {
    const { log } = capturedLog();
    const g = superviseGuacd({ bin, libDir, log });
    closers.push(() => g.close());
    await until(g, (s) => s.state === 'up');
    const ep = g.endpoint()!;
    const ext = externalGuacd({ host: ep.host, port: ep.port, log, intervalMs: 200 });
    closers.push(() => ext.close());
    expect(await until(ext, (s) => s.state === 'up')).toEqual({ state: 'up', mode: 'external', problem: null });
    expect(ext.endpoint()).toEqual(ep);

    // a port nobody listens on: taken and released, so it is free and refuses
    const closedPort = await freePort();
    const none = externalGuacd({ host: '127.0.0.1', port: closedPort, log, intervalMs: 200 });
    closers.push(() => none.close());
    const s = await until(none, (x) => x.problem !== null && /does not answer/.test(x.problem));
    expect(s).toMatchObject({ state: 'down', mode: 'external' });
    expect(s.problem).toBe(
      `RDP needs guacd: the guacd at 127.0.0.1:${closedPort} does not answer (connection refused); check that it runs and that this gateway can reach it.`,
    );
    expect(none.endpoint()).toBeNull();

    // the supervised one stops: the external view goes down within a probe or two
    await g.close();
    await until(ext, (x) => x.state === 'down');
  });
});
