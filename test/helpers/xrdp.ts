// Starts a real RDP desktop for tests: Xorg with xorgxrdp on a free display, and xrdp WITHOUT sesman
// in front of it on a loopback TCP port (own ini, own certificate from openssl, own RSA keys from
// xrdp-keygen bound over /etc/xrdp/rsakeys.ini with bwrap). Without sesman libxup checks no password,
// which is fine on loopback in a test. Each process runs in its own process group and stop() kills
// the groups and removes the files, also after a failed test. Recipe: ENVIRONMENT.md "RDP servers".
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './xvnc.ts';

const run = promisify(execFile);
const XORG = '/usr/lib/xorg/Xorg';
const XORG_CONF = '/etc/X11/xrdp/xorg.conf';

export interface XrdpHandle {
  display: number;
  port: number;
  /** The end of xrdp's log, for failure messages. */
  log(): string;
  /** Runs an X client (xsetroot, xdotool, ...) on the desktop. */
  x(cmd: string, args: string[]): Promise<void>;
  stop(): Promise<void>;
}

function freeDisplay(): number {
  for (let i = 0; i < 200; i++) {
    const n = 200 + Math.floor(Math.random() * 700);
    if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`) && !existsSync(`/tmp/.xrdp/xrdp_display_${n}`)) return n;
  }
  throw new Error('no free X display number');
}

function ini(dir: string, port: number, display: number): string {
  return [
    '[Globals]',
    'ini_version=1',
    'fork=true',
    `port=tcp://127.0.0.1:${port}`,
    'security_layer=tls',
    'crypt_level=high',
    `certificate=${join(dir, 'cert.pem')}`,
    `key_file=${join(dir, 'key.pem')}`,
    'ssl_protocols=TLSv1.2, TLSv1.3',
    'autorun=Xorg',
    // Channels allowed as in the process driver's ini: with none, xrdp refuses FreeRDP's channel joins.
    'allow_channels=true',
    'bitmap_cache=true',
    'bitmap_compression=true',
    'bulk_compression=true',
    'max_bpp=32',
    'new_cursors=true',
    'use_fastpath=both',
    '',
    '[Logging]',
    `LogFile=${join(dir, 'xrdp.log')}`,
    'LogLevel=INFO',
    'EnableSyslog=false',
    '',
    '[Channels]',
    'rdpdr=false',
    'rdpsnd=false',
    'drdynvc=false', // xrdp 0.9.21 drops the connection on guacd's display-control channel (dynamic_monitor_open_response)
    'cliprdr=true',
    'rail=false',
    'xrdpvr=false',
    '',
    '[Xorg]',
    'name=Xorg',
    'lib=libxup.so', // xrdp looks it up in its own module directory
    'username=ask',
    'password=ask',
    'ip=127.0.0.1',
    `port=/tmp/.xrdp/xrdp_display_${display}`,
    'code=20',
    '',
  ].join('\n');
}

async function until(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>, alive: () => string | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dead = alive();
    if (dead) throw new Error(`${what}: ${dead}`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

export async function startXrdp(): Promise<XrdpHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'deskport-xrdp-'));
  const display = freeDisplay();
  const port = await freePort();
  const children: ChildProcess[] = [];
  const exits = new Map<ChildProcess, string>();
  const stderr = new Map<ChildProcess, string>();
  const start = (name: string, argv: string[]): ChildProcess => {
    const c = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
    children.push(c);
    stderr.set(c, '');
    c.stderr?.on('data', (d: Buffer) => stderr.set(c, (stderr.get(c)! + d.toString()).slice(-2000)));
    c.once('exit', (code, sig) => exits.set(c, `${name} exited (${code ?? sig}): ${stderr.get(c)!.trim().slice(-500)}`));
    return c;
  };
  const stop = async () => {
    for (const c of children) {
      if (c.exitCode !== null || c.signalCode !== null || !c.pid) continue;
      const gone = new Promise((r) => c.once('exit', r));
      try {
        process.kill(-c.pid, 'SIGTERM');
      } catch {
        continue;
      }
      const t = setTimeout(() => {
        try {
          process.kill(-c.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 3000);
      await gone;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
    rmSync(`/tmp/.xrdp/xrdp_display_${display}`, { force: true });
  };
  try {
    writeFileSync(join(dir, 'xrdp.ini'), ini(dir, port, display), { mode: 0o600 });
    await Promise.all([
      run(
        'openssl',
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')].concat([
          '-days',
          '2',
          '-subj',
          '/CN=deskport-test',
          '-batch',
        ]),
      ),
      run('xrdp-keygen', ['xrdp', join(dir, 'rsakeys.ini')]),
    ]);
    const xorg = start('Xorg', [
      XORG,
      `:${display}`,
      '-config',
      XORG_CONF,
      '-noreset',
      '-nolisten',
      'tcp',
      '-logfile',
      join(dir, 'xorg.log'),
    ]);
    const socket = `/tmp/.xrdp/xrdp_display_${display}`;
    await until(
      'Xorg with xorgxrdp did not start',
      20_000,
      () => existsSync(socket),
      () => exits.get(xorg) ?? null,
    );
    // xrdp reads its RSA keys from a fixed path: bind this desktop's own over it.
    const xrdp = start('xrdp', [
      'bwrap',
      '--dev-bind',
      '/',
      '/',
      '--ro-bind',
      join(dir, 'rsakeys.ini'),
      '/etc/xrdp/rsakeys.ini',
      'xrdp',
      '-n',
      '-c',
      join(dir, 'xrdp.ini'),
    ]);
    await until(
      'xrdp did not listen',
      20_000,
      () => listening(port),
      () => exits.get(xrdp) ?? null,
    );
    return {
      display,
      port,
      x: async (cmd, args) => {
        await run(cmd, args, { env: { ...process.env, DISPLAY: `:${display}` }, timeout: 10_000 });
      },
      log: () => {
        try {
          return readFileSync(join(dir, 'xrdp.log'), 'utf8').slice(-3000);
        } catch {
          return '';
        }
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
