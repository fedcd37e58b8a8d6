// bin/deskport as an operator runs it: --help everywhere, one-line errors with exit 2, first start
// prints the admin password once, SIGTERM stops cleanly, and desktops outlive the gateway.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { desktopInfo } from '../helpers/desktops.ts';
import { launchDesktop, signIn, ticket } from '../helpers/gateway.ts';
import { RfbViewer } from '../helpers/rfb-viewer.ts';

const BIN = join(process.cwd(), 'bin/deskport');
const dirs: string[] = [];
const children: ChildProcess[] = [];
const killDesktops: number[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const pid of killDesktops) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Starts `bin/deskport up` on a free port over DATA; resolves the URL it prints. */
function startUp(data: string, env: Record<string, string> = { DESKPORT_ADMIN_PASSWORD: '' }) {
  const child = spawn(BIN, ['up', '--listen', '127.0.0.1:0', '--data', data], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DESKPORT_GUACD: 'off', ...env }, // no guacd: some of these gateways end by SIGKILL
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
    child.stdout!.on('data', () => {
      const m = /running at (http:\/\/[^\s/]+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return { child, url, output: () => out };
}

/** "Running at" comes before the built-in agent has connected; /readyz says when it has. */
const untilReady = (url: string) =>
  expect.poll(async () => (await fetch(`${url}/readyz`)).status, { timeout: 15_000, interval: 100 }).toBe(200);

const run = (...args: string[]) => spawnSync(BIN, args, { encoding: 'utf8', timeout: 30_000 });

describe('bin/deskport', () => {
  it('answers --help for every command', () => {
    for (const args of [['--help'], ['up', '--help'], ['gateway', '--help'], ['agent', '--help']]) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: bin\/deskport/);
    }
  });

  it('refuses bad arguments with one line and exit code 2', () => {
    for (const args of [
      ['frobnicate'],
      ['up', '--listen', 'nowhere'],
      ['up', '--bogus'],
      ['agent'],
      ['agent', '--gateway', 'http://127.0.0.1:1', '--driver', 'kvm'],
    ]) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^deskport: /);
    }
  });

  it('up: prints the admin password once, serves, stops on SIGTERM, and its desktops survive', async () => {
    const data = mkdtempSync(join(tmpdir(), 'deskport-cli-'));
    dirs.push(data);
    const start = () => startUp(data);
    const first = start();
    const url = await first.url;
    const password = /password: (\S+)/.exec(first.output())?.[1];
    expect(password).toMatch(/^.{20}$/);
    await untilReady(url);
    const api = await signIn(url, 'admin', password!);
    const s = await launchDesktop(api, url);
    const { pids } = await desktopInfo(api, data, s.id);
    killDesktops.push(...pids);
    first.child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => first.child.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).not.toThrow();

    const second = start();
    const url2 = await second.url;
    expect(second.output()).not.toMatch(/password/);
    const api2 = await signIn(url2, 'admin', password!);
    await new Promise((r) => setTimeout(r, 500));
    const again = (await api2.get(`/api/v1/sessions/${s.id}`)).body as { session: { state: string } };
    expect(again.session.state).toBe('ready');
    expect((await api2.del(`/api/v1/sessions/${s.id}`)).status).toBe(204);
    second.child.kill('SIGINT');
    expect(await new Promise<number | null>((r) => second.child.once('exit', (c) => r(c)))).toBe(0);
  });

  it('up killed with -9 loses nothing: desktops keep running and sessions resume after the restart', async () => {
    const data = mkdtempSync(join(tmpdir(), 'deskport-cli-'));
    dirs.push(data);
    const env = { DESKPORT_ADMIN_PASSWORD: 'kill-nine-password' };
    const first = startUp(data, env);
    const url = await first.url;
    await untilReady(url);
    const api = await signIn(url, 'admin', env.DESKPORT_ADMIN_PASSWORD);
    const s = await launchDesktop(api, url);
    const { pids, home } = await desktopInfo(api, data, s.id);
    killDesktops.push(...pids);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    for (const pid of pids) expect(() => process.kill(pid, 0)).not.toThrow();
    const second = startUp(data, env);
    const url2 = await second.url;
    const api2 = await signIn(url2, 'admin', env.DESKPORT_ADMIN_PASSWORD);
    const deadline = Date.now() + 15_000;
    let state = '';
    while (Date.now() < deadline && state !== 'ready') {
      state = ((await api2.get(`/api/v1/sessions/${s.id}`)).body as { session: { state: string } }).session.state;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe('ready');
    const v = await RfbViewer.open(url2, await ticket(api2, s.id));
    await v.handshake();
    expect((await v.capture()).distinctColours).toBeGreaterThan(2);
    v.close();
    expect(existsSync(home)).toBe(true);
    expect((await api2.del(`/api/v1/sessions/${s.id}`)).status).toBe(204);
    expect(existsSync(home)).toBe(false);
    second.child.kill('SIGTERM');
    expect(await new Promise<number | null>((r) => second.child.once('exit', (c) => r(c)))).toBe(0);
  });
});
