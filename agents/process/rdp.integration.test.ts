// RDP desktops of the process driver against real Xorg + xorgxrdp + xrdp: readiness (X.224), no TCP
// listener anywhere in the desktop, the socket out of the desktop's reach, an independent RDP client
// (xfreerdp under Xvfb, through a loopback bridge the test opens) that sees the desktop, and destroy
// leaving nothing behind: processes, sockets, files, cgroups.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBytes } from '../driver.contract.ts';
import type { DesktopSpec } from '../driver.ts';
import { isConnectionConfirm, X224_CONNECTION_REQUEST } from '../x224.ts';
import { createProcessDriver, type ProcessDriver } from './driver.ts';
import { layout, readState, type DesktopState } from './layout.ts';
import { listProcs } from './procfs.ts';
import { removeAllDesktops, tempDataDir } from './testing.ts';
import { countColour, killGroup, screenshot, startXvfb } from '../../test/helpers/xvfb.ts';

const SLATE = 0x2d3b4e; // the desktop's background (start.ts)

describe('process driver: RDP desktops (xrdp + xorgxrdp)', () => {
  let dataDir: string;
  let driver: ProcessDriver;
  const groups: ChildProcess[] = []; // Xvfb, xfreerdp: each in its own process group
  const servers: Server[] = [];
  const spec = (over: Partial<DesktopSpec> = {}): DesktopSpec => ({
    desktopId: `rdp-${randomBytes(4).toString('hex')}`,
    secret: randomBytes(9).toString('base64url'),
    persistence: 'pooled',
    protocol: 'rdp',
    ...over,
  });
  const state = async (id: string): Promise<DesktopState> => {
    const s = await readState(layout(dataDir), id);
    if (!s) throw new Error(`no state for ${id}`);
    return s;
  };

  beforeAll(async () => {
    dataDir = await tempDataDir();
    driver = createProcessDriver({ dataDir });
  });
  afterAll(async () => {
    for (const c of groups) if (c.pid && c.exitCode === null && c.signalCode === null) killGroup(c.pid);
    for (const s of servers) s.close();
    await removeAllDesktops(dataDir);
  });

  it('starts, answers X.224 on its unix socket, and refuses the VNC channel', async () => {
    const s = spec();
    const t0 = performance.now();
    await driver.create(s);
    console.info(`process RDP desktop create() -> X.224 CC: ${(performance.now() - t0).toFixed(0)} ms`);
    const socket = await driver.openStream(s.desktopId, 'rdp');
    socket.write(X224_CONNECTION_REQUEST);
    const answer = await readBytes(socket, 19);
    socket.destroy();
    expect(isConnectionConfirm(answer), answer.toString('hex')).toBe(true);
    // RDP Negotiation Response (type 2) selecting TLS (1): xrdp runs with security_layer=tls.
    expect([answer[11], answer.readUInt32LE(15)]).toEqual([2, 1]);
    await expect(driver.openStream(s.desktopId, 'vnc')).rejects.toMatchObject({ code: 'unsupported_channel' });
    const st = await state(s.desktopId);
    expect(st.protocol).toBe('rdp');
    expect(st.socket).toMatch(/\/vnc\/[0-9a-f]{16}\/rdp\.sock$/);
    await driver.destroy(s.desktopId);
  });

  it("has no TCP listener in any of its processes, and its programs cannot reach xrdp's socket", async () => {
    const s = spec();
    await driver.create(s);
    const st = await state(s.desktopId);
    const procs = (await listProcs()).filter((p) => p.uid === st.uid);
    const names = await Promise.all(procs.map(async (p) => (await readFile(`/proc/${p.pid}/comm`, 'utf8').catch(() => '')).trim()));
    expect(names).toEqual(expect.arrayContaining(['Xorg', 'xrdp', 'xrdp-chansrv']));
    let sockets = 0;
    const listening: string[] = [];
    for (const p of procs) {
      const inodes = new Set<string>();
      for (const fd of await readdir(`/proc/${p.pid}/fd`).catch(() => [])) {
        const m = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${p.pid}/fd/${fd}`).catch(() => ''));
        if (m?.[1]) inodes.add(m[1]);
      }
      sockets += inodes.size;
      // /proc/<pid>/net is the network namespace the process is in, wherever that is. State 0A: LISTEN.
      for (const table of ['tcp', 'tcp6']) {
        for (const line of (await readFile(`/proc/${p.pid}/net/${table}`, 'utf8').catch(() => '')).split('\n').slice(1)) {
          const f = line.trim().split(/\s+/);
          if (f[3] === '0A' && inodes.has(f[9] ?? '')) listening.push(`pid ${p.pid} ${table} ${f[1]}`);
        }
      }
    }
    expect(sockets).toBeGreaterThan(3); // X, xorgxrdp, chansrv and xrdp's unix sockets at least
    expect(listening).toEqual([]);
    // From inside: neither the host paths nor the paths xrdp and chansrv see exist for desktop programs.
    const chansrvDir = `${dirname(st.socket ?? '/')}/chansrv`;
    expect(existsSync(`${chansrvDir}/xrdp_chansrv_socket_${st.display}`)).toBe(true);
    const paths = [st.socket, '/run/deskport/vnc', chansrvDir, '/run/xrdp/sockdir', `/tmp/.xrdp/xrdp_chansrv_socket_${st.display}`];
    const r = await driver.runInDesktop(s.desktopId, ['sh', '-c', `for p in ${paths.join(' ')}; do ls -d $p 2>&1; done; echo done`]);
    expect(r.stdout).toContain('done');
    expect(r.stdout.match(/No such file/g)).toHaveLength(paths.length);
    await driver.destroy(s.desktopId);
  });

  it('an independent RDP client (xfreerdp) connects through a loopback bridge and shows the desktop', async () => {
    const s = spec();
    await driver.create(s);
    // The bridge the test opens: each TCP connection on loopback becomes one openStream('rdp').
    const bridge = createServer((c: Socket) => {
      c.pause();
      driver.openStream(s.desktopId, 'rdp').then(
        (u) => {
          c.pipe(u).pipe(c);
          c.on('error', () => u.destroy()).on('close', () => u.destroy());
          u.on('error', () => c.destroy()).on('close', () => c.destroy());
          c.resume();
        },
        () => c.destroy(),
      );
    });
    servers.push(bridge);
    const port = await new Promise<number>((resolve) =>
      bridge.listen(0, '127.0.0.1', () => resolve((bridge.address() as { port: number }).port)),
    );
    const display = await startXvfb(groups);
    const client = spawn(
      'xfreerdp',
      [
        `/v:127.0.0.1:${port}`,
        '/cert:ignore',
        '/sec:tls',
        '/u:user',
        '/p:unused',
        '/size:800x600',
        '/bpp:24',
        '-grab-keyboard',
        '/log-level:WARN',
      ],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dataDir, DISPLAY: `:${display}` }, detached: true, stdio: 'ignore' },
    );
    groups.push(client);
    const exited = new Promise<string>((resolve) => client.once('exit', (code, sig) => resolve(`xfreerdp exited (${code ?? sig})`)));
    // What the RDP client draws in its window on Xvfb: the slate background served by xrdp.
    let slate = 0;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline && slate < 800 * 600 * 0.1;) {
      const gone = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 500))]);
      if (gone) throw new Error(gone);
      const shot = await screenshot(display);
      slate = countColour(shot, SLATE);
      if (process.env.RDP_SHOT) await writeFile(process.env.RDP_SHOT, shot);
    }
    expect(slate).toBeGreaterThan(800 * 600 * 0.1);
    // xorgxrdp followed the client's size (no server-side resize).
    const r = await driver.runInDesktop(s.desktopId, ['sh', '-c', 'xdpyinfo | grep dimensions']);
    expect(r.stdout).toMatch(/800x600 pixels/);
    // The clipboard channel: text xfreerdp's own X display holds (its clipboard redirection) becomes
    // the desktop's X clipboard, through xrdp and chansrv (whose log, in the desktop's tmp, shows
    // xrdp's connection; xrdp's forked child buffers its own log lines).
    const text = `from-xfreerdp-${randomBytes(3).toString('hex')}`;
    const owner = spawn('xclip', ['-quiet', '-i', '-selection', 'clipboard'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DISPLAY: `:${display}` },
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    groups.push(owner);
    owner.stdin.end(text);
    let pasted = '';
    for (let i = 0; i < 100 && pasted !== text; i++) {
      pasted = (await driver.runInDesktop(s.desktopId, ['xclip', '-o', '-selection', 'clipboard'])).stdout;
      if (pasted !== text) await new Promise((res) => setTimeout(res, 200)); // no event to await inside the desktop
    }
    expect(pasted).toBe(text);
    const chansrvLog = join(dataDir, 'desktops', s.desktopId, 'tmp', 'xrdp', `xrdp-chansrv.${(await state(s.desktopId)).display}.log`);
    expect(await readFile(chansrvLog, 'utf8')).toMatch(/AF_UNIX connection received/);
    killGroup(owner.pid ?? 0);
    killGroup(client.pid ?? 0);
    await driver.destroy(s.desktopId);
  });

  it('is re-adopted by a new driver instance; destroy leaves no process, socket, file or cgroup', async () => {
    const s = spec();
    await driver.create(s);
    const st = await state(s.desktopId);
    const L = layout(dataDir);
    const second = createProcessDriver({ dataDir });
    expect(await second.list()).toContainEqual(expect.objectContaining({ desktopId: s.desktopId, state: 'running' }));
    const socket = await second.openStream(s.desktopId, 'rdp');
    socket.write(X224_CONNECTION_REQUEST);
    expect(isConnectionConfirm(await readBytes(socket, 7))).toBe(true);
    socket.destroy();
    await second.destroy(s.desktopId);
    await second.close();
    expect((await listProcs()).filter((p) => p.uid === st.uid)).toEqual([]);
    expect(existsSync(st.socket ?? '/')).toBe(false);
    expect(existsSync(L.vncDir(s.desktopId))).toBe(false);
    expect(existsSync(L.desktopDir(s.desktopId))).toBe(false);
    expect(existsSync(st.home)).toBe(false);
    for (const dir of st.limits?.cgroups ?? []) expect(existsSync(dir)).toBe(false);
    expect(await driver.inspect(s.desktopId)).toBeNull();
  });
});
