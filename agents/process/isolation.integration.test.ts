// What a person inside a process desktop can NOT do, shown from inside (commands run with the same
// uid, sandbox and environment as the desktop's own programs), for each isolation setting. Also:
// desktops outlive the process that started them, and destroy kills what a desktop left behind.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBytes } from '../driver.contract.ts';
import { createProcessDriver, type ProcessDriver } from './driver.ts';
import type { ProcessDriverOptions } from './options.ts';
import { layout, readState, type DesktopState } from './layout.ts';
import { listProcs } from './procfs.ts';
import { vncLogin } from '../../test/helpers/vnc-login.ts';
import { removeAllDesktops, tempDataDir } from './testing.ts';

/** Tests that do not apply to a setting are not registered (rather than reported skipped). */
const notApplicable = (..._args: unknown[]): void => undefined;

// Per-desktop uids need root (as CI and the service run). Elsewhere these checks cannot be made,
// and that is a failure to see, not a skip to hide.
if (process.getuid?.() !== 0) throw new Error('the isolation tests must run as root');
const GATEWAY_SECRET = `gw-${randomBytes(8).toString('hex')}`;

const settings: [string, Partial<ProcessDriverOptions>][] = [
  ['bwrap sandbox, no session network (default)', {}],
  ['bwrap sandbox, host network', { sessionNetwork: 'host' }],
  ['no sandbox: uid and file modes only', { sandbox: 'none' }],
];

describe.each(settings)('isolation: %s', (_label, extra) => {
  const sandboxed = extra.sandbox !== 'none';
  let dataDir: string;
  let driver: ProcessDriver;
  let a: DesktopState;
  let b: DesktopState;
  let listener: Server;
  const inA = (script: string) => driver.runInDesktop(a.desktopId, ['sh', '-c', script]);

  beforeAll(async () => {
    dataDir = await tempDataDir();
    process.env.DESKPORT_ADMIN_PASSWORD = GATEWAY_SECRET; // as if the gateway's environment held it
    driver = createProcessDriver({ dataDir, ...extra });
    for (const id of ['iso-a', 'iso-b']) await driver.create({ desktopId: id, secret: `${id}-secret`, persistence: 'pooled' });
    a = (await readState(layout(dataDir), 'iso-a')) as DesktopState;
    b = (await readState(layout(dataDir), 'iso-b')) as DesktopState;
    await writeFile(join(dataDir, 'deskport.db'), `db ${GATEWAY_SECRET}`, { mode: 0o600 });
    await writeFile(join(dataDir, 'careless.log'), `log ${GATEWAY_SECRET}`, { mode: 0o644 });
    await driver.runInDesktop(b.desktopId, ['sh', '-c', 'echo b-private > "$HOME/diary.txt"']);
    listener = createServer((s) => s.end('gateway\n')).listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    delete process.env.DESKPORT_ADMIN_PASSWORD;
    listener?.close();
    await removeAllDesktops(dataDir);
  });

  it('runs as its own unprivileged uid with no capabilities', async () => {
    const r = await inA('id -u; grep CapEff /proc/self/status');
    expect(r.stdout).toContain(`${a.uid}\n`);
    expect(r.stdout).toMatch(/CapEff:\s+0+\n/);
    expect(a.uid).not.toBe(0);
    expect(a.uid).not.toBe(b.uid);
  });

  it("cannot read the gateway's data dir (a 0600 database)", async () => {
    const r = await inA(`cat ${join(dataDir, 'deskport.db')}; ls ${dataDir}`);
    expect(r.stdout).not.toContain(GATEWAY_SECRET);
    expect(r.stderr).toMatch(/Permission denied|No such file/);
  });

  (sandboxed ? it : notApplicable)('does not even see the data dir, so a carelessly world-readable file there stays hidden', async () => {
    const r = await inA(`cat ${join(dataDir, 'careless.log')}`);
    expect(r.stdout).not.toContain(GATEWAY_SECRET);
    expect(r.stderr).toMatch(/No such file/);
  });

  (!sandboxed ? it : notApplicable)(
    'without a sandbox, file modes are all there is: a world-readable file in the data dir leaks',
    async () => {
      expect((await inA(`cat ${join(dataDir, 'careless.log')}`)).stdout).toContain(GATEWAY_SECRET);
    },
  );

  it("cannot read another desktop's home, X cookie or VNC password", async () => {
    const bTmp = layout(dataDir).tmpDir(b.desktopId);
    const r = await inA(
      `cat ${join(b.home, 'diary.txt')} ${join(bTmp, '.Xauthority')} ${join(bTmp, 'vncpasswd')} ${join(layout(dataDir).desktopDir(b.desktopId), 'vncpasswd')}`,
    );
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Permission denied|No such file/);
    expect((await driver.runInDesktop(b.desktopId, ['cat', 'diary.txt'])).stdout).toBe('b-private\n'); // the file is there
  });

  it("cannot draw on another desktop's X display, though it can on its own", async () => {
    const own = await inA(`xsetroot -display :${a.display} -solid '#2d3b4e'`);
    expect(own.code).toBe(0);
    const other = await inA(`xsetroot -display :${b.display} -solid red`);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/unable to open display/);
  });

  it("does not inherit the gateway's environment", async () => {
    expect((await inA('env')).stdout).not.toContain(GATEWAY_SECRET);
    const xvncEnv = await promisify(execFile)('cat', [`/proc/${a.xvnc?.pid}/environ`], { encoding: 'latin1' });
    expect(xvncEnv.stdout).not.toContain(GATEWAY_SECRET);
  });

  it('cannot signal the gateway process', async () => {
    const r = await inA(`kill -0 ${process.pid}`);
    expect(r.code).not.toBe(0);
  });

  (extra.sessionNetwork === undefined && sandboxed ? it : notApplicable)(
    'cannot reach services on host loopback (no network at all)',
    async () => {
      const port = (listener.address() as { port: number }).port;
      const r = await driver.runInDesktop(a.desktopId, ['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port} && head -1 <&3`]);
      expect(r.stdout).not.toContain('gateway');
      expect(r.code).not.toBe(0);
    },
  );

  it('its VNC server has no TCP listening socket at all', async () => {
    const pid = a.xvnc?.pid ?? 0;
    const inodes = new Set<string>();
    for (const fd of await readdir(`/proc/${pid}/fd`)) {
      const m = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''));
      if (m?.[1]) inodes.add(m[1]);
    }
    expect(inodes.size).toBeGreaterThan(0); // X and RFB sockets
    // /proc/<pid>/net is the network namespace Xvnc is in, wherever that is. State 0A: LISTEN.
    const listening = [];
    for (const table of ['tcp', 'tcp6']) {
      for (const line of (await readFile(`/proc/${pid}/net/${table}`, 'utf8')).split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f[3] === '0A' && inodes.has(f[9] ?? '')) listening.push(`${table} ${f[1]}`);
      }
    }
    expect(listening).toEqual([]);
  });

  it('cannot make its VNC server dial out: vncconfig -connect reaches nothing', async () => {
    const dialled: Socket[] = [];
    const trap = createServer((c) => dialled.push(c.end()));
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
    const port = (trap.address() as { port: number }).port;
    try {
      const r = await inA(`vncconfig -connect 127.0.0.1:${port}`);
      expect(r.code).toBe(0); // Xvnc took the request: only its network stops it
      // Xvnc logs the outcome of the attempt; wait for that line (or for the connection).
      const log = layout(dataDir).logFile(a.desktopId, 'xvnc');
      for (
        const deadline = Date.now() + 5_000;
        Date.now() < deadline && dialled.length === 0;
        await new Promise((res) => setTimeout(res, 50))
      ) {
        if ((await readFile(log, 'utf8')).includes('Reverse connection: unable to connect')) break;
      }
      expect(dialled.length).toBe(0);
      expect(await readFile(log, 'utf8')).toContain('Reverse connection: unable to connect');
    } finally {
      trap.close();
      for (const c of dialled) c.destroy();
    }
  });

  it("cannot lock the gateway out of another desktop (reverse connects and bad logins at B's old port)", async () => {
    // Whatever A can name: B's recorded TCP port (old records) or the one its display used to get.
    const port = b.port ?? 5900 + b.display;
    const r = await inA(
      `for i in $(seq 12); do vncconfig -connect 127.0.0.1:${port}; (exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'RFB 003.008\\n\\002' >&3 && head -c 60 <&3 >/dev/null) 2>/dev/null; done; echo done`,
    );
    expect(r.stdout).toContain('done');
    const session = await vncLogin(await driver.openStream(b.desktopId), 'iso-b-secret');
    expect(session.width).toBeGreaterThan(0);
    session.socket.destroy();
  });

  it('destroy also kills processes that escaped the desktop session', async () => {
    const stray = spawn('/bin/sleep', ['600'], { uid: a.uid, gid: a.gid, detached: true, stdio: 'ignore' });
    stray.unref();
    await new Promise((r) => stray.once('spawn', r));
    await driver.destroy(a.desktopId);
    expect((await listProcs()).filter((p) => p.uid === a.uid)).toEqual([]);
    expect(await driver.inspect(b.desktopId)).toMatchObject({ state: 'running' }); // the neighbour is untouched
  });
});

describe('survival', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await tempDataDir();
  });
  afterAll(() => removeAllDesktops(dataDir));

  it('a desktop outlives the process that created it, and a new driver re-adopts and reaches it', async () => {
    // A separate Node process plays the gateway: it creates a desktop and exits.
    const script = join(dataDir, 'gateway.mts');
    await writeFile(
      script,
      [
        `import { createProcessDriver } from ${JSON.stringify(join(import.meta.dirname, 'driver.ts'))};`,
        `const d = createProcessDriver({ dataDir: ${JSON.stringify(dataDir)} });`,
        `await d.create({ desktopId: 'survivor', secret: 'survivor-secret', persistence: 'pooled' });`,
        `await d.close();`,
      ].join('\n'),
    );
    await chmod(script, 0o600);
    await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { timeout: 30_000 });
    const driver = createProcessDriver({ dataDir });
    expect(await driver.list()).toContainEqual(expect.objectContaining({ desktopId: 'survivor', state: 'running' }));
    const socket = await driver.openStream('survivor');
    expect((await readBytes(socket, 12)).toString('latin1')).toBe('RFB 003.008\n');
    socket.destroy();
    await driver.destroy('survivor');
    expect(await driver.list()).toEqual([]);
  });
});
