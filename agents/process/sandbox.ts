// How each desktop program is wrapped and spawned (why bubblewrap on top of a per-desktop uid: driver.ts).
// A desktop sees /usr, /etc, /opt read-only, its own /tmp and home, private /proc and /dev; nothing else
// of the host: no data dir, /root, /home, /srv, /mnt, and of /var only the font cache and dbus machine id.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, lstatSync, openSync, readlinkSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { launchPrefix, type Fences, type LaunchBins } from './launch.ts';

export interface Jail {
  mode: 'bwrap' | 'none';
  /** Set when the driver runs as root: programs drop to this uid/gid (no supplementary groups). */
  ids: { uid: number; gid: number } | null;
  display: number;
  hostHome: string;
  hostTmp: string;
  /** Host directory of the display socket (Xvnc's RFB, or xrdp's RDP): bound into that server's sandbox and no other. */
  vncDir: string;
  /** What the desktop serves. 'rdp': Xorg + xorgxrdp is the 'server', xrdp runs in role 'rdp'. Default 'vnc'. */
  protocol?: 'vnc' | 'rdp';
  /** RDP only: xrdp's own ini, TLS certificate and key, and RSA keys (root-only host files in bwrap
   *  mode, copied into xrdp's sandbox; the desktop's own files in its tmp without a sandbox). */
  rdpFiles?: { ini: string; cert: string; key: string; rsakeys: string };
  /** bwrap only: root-only host files copied into the sandbox, so the desktop's uid needs no path to them. */
  vncPasswdFile: string;
  passwdFile: string;
  groupFile: string;
  sessionNetwork: 'none' | 'host';
  extraReadOnly: string[];
  /** Host paths (the data dir) masked with an empty tmpfs should they lie under an exposed path. */
  hide: string[];
  bwrap: string;
  /** What every program is started through (cgroups, rlimits, uid drop): launch.ts. */
  launch: LaunchBins;
  fences: Omit<Fences, 'ownNetwork'>;
}

/** Paths as the desktop's programs see them. */
export interface InsidePaths {
  home: string;
  xauthority: string;
  vncPasswd: string;
  vncSocket: string;
  /** The desktop's /tmp (Xorg's log, xorgxrdp's socket directory .xrdp). */
  tmp: string;
  rdpSocket: string;
  rdpIni: string;
  rdpCert: string;
  rdpKey: string;
  /** xrdp-chansrv's socket directory, fixed in Debian's build (--with-socketdir); bwrap only. */
  chansrvDir: string;
}

export function inside(j: Jail): InsidePaths {
  if (j.mode === 'none')
    return {
      home: j.hostHome,
      xauthority: join(j.hostTmp, '.Xauthority'),
      vncPasswd: join(j.hostTmp, 'vncpasswd'),
      vncSocket: join(j.vncDir, 'sock'),
      tmp: '/tmp', // xorgxrdp's socket directory is /tmp/.xrdp whatever TMPDIR says
      rdpSocket: join(j.vncDir, RDP_SOCKET),
      rdpIni: j.rdpFiles?.ini ?? '',
      rdpCert: j.rdpFiles?.cert ?? '',
      rdpKey: j.rdpFiles?.key ?? '',
      chansrvDir: '', // no chansrv without a sandbox (rdp.ts)
    };
  return {
    home: '/home/user',
    xauthority: '/tmp/.Xauthority',
    vncPasswd: '/run/deskport/vncpasswd',
    vncSocket: '/run/deskport/vnc/sock',
    tmp: '/tmp',
    rdpSocket: `/run/deskport/vnc/${RDP_SOCKET}`,
    rdpIni: '/run/deskport/xrdp.ini',
    rdpCert: '/run/deskport/cert.pem',
    rdpKey: '/run/deskport/key.pem',
    chansrvDir: CHANSRV_DIR,
  };
}

const RDP_SOCKET = 'rdp.sock';
const CHANSRV_DIR = '/run/xrdp/sockdir';

/** Host directory of xrdp-chansrv's socket: inside the xrdp socket's directory (xrdp sees it as
 *  /run/deskport/vnc/chansrv), bound at /run/xrdp/sockdir into chansrv's sandbox and no other. */
export const hostChansrvDir = (j: Jail): string => join(j.vncDir, 'chansrv');

/** Where the driver (on the host) dials the desktop's VNC server. */
export const hostVncSocket = (j: Jail): string => join(j.vncDir, 'sock');
/** Where the driver (on the host) dials the desktop's xrdp. */
export const hostRdpSocket = (j: Jail): string => join(j.vncDir, RDP_SOCKET);

/** A clean environment: nothing of the gateway's (it may hold secrets such as DESKPORT_ADMIN_PASSWORD). */
export function desktopEnv(j: Jail, withDisplay: boolean): Record<string, string> {
  const env: Record<string, string> = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: inside(j).home,
    USER: 'user',
    LOGNAME: 'user',
    SHELL: '/bin/bash',
    LANG: 'C.UTF-8',
  };
  if (j.mode === 'none') env.TMPDIR = j.hostTmp; // the shared /tmp is not private without a sandbox
  if (withDisplay) Object.assign(env, { DISPLAY: `:${j.display}`, XAUTHORITY: inside(j).xauthority });
  // The desktop's own sound server (sound.ts); a program finds no server there if it failed to start.
  if (withDisplay) env.PULSE_SERVER = `unix:${j.mode === 'none' ? join(j.hostTmp, 'pulse') : '/tmp/pulse'}/native`;
  return env;
}

/** 'server' is the X server: Xvnc (its RFB socket and password file) or Xorg with xorgxrdp, no network
 *  at all; 'rdp' is xrdp (its RDP socket, ini, certificate and keys, no network); 'channels' is
 *  xrdp-chansrv (its socket directory, no network); 'sound' is PulseAudio (no network, nothing but the
 *  desktop's own home and tmp); 'session' a long-lived desktop program; 'oneshot' a short command that
 *  dies with its caller (runInDesktop, xsetroot, the sound capture). */
export type Role = 'server' | 'rdp' | 'channels' | 'sound' | 'session' | 'oneshot';

export interface Command {
  file: string;
  args: string[];
  /** Entered as root before dropping privileges; bwrap sets the sandbox's own with --chdir. */
  cwd: string;
  /** Host paths opened read-only by the (root) driver and handed over as fds 3, 4, ... */
  fds: string[];
}

export function command(j: Jail, role: Role, argv: string[]): Command {
  if (argv.length === 0) throw new Error('empty argv');
  // Xvnc obeys its VNC extension: any X client of the desktop (`vncconfig -connect host:port`) makes
  // it dial out. In a network namespace of its own it reaches nothing. Without bwrap only root can
  // make one (unshare); an unprivileged driver's Xvnc stays on the host network (README.md).
  const offline = role === 'server' || role === 'rdp' || role === 'channels' || role === 'sound';
  const ownNetwork = j.mode === 'none' && offline && j.fences.ids !== null;
  const prefix = launchPrefix(j.launch, { ...j.fences, ownNetwork });
  const run = (file: string, args: string[], cwd: string, fds: string[]): Command => {
    const [first, ...rest] = [...prefix, file, ...args];
    return { file: first ?? file, args: rest, cwd, fds };
  };
  const [program, ...programArgs] = argv as [string, ...string[]];
  if (j.mode === 'none') return run(program, programArgs, j.hostHome, []);
  const fds: string[] = [];
  const fd = (path: string): string => String(3 + fds.push(path) - 1);
  const a = ['--unshare-user', '--disable-userns', '--unshare-pid', '--unshare-uts', '--hostname', 'deskport', '--unshare-cgroup-try'];
  if (offline || j.sessionNetwork === 'none') a.push('--unshare-net'); // servers: see above
  if (role === 'oneshot') a.push('--die-with-parent');
  a.push('--ro-bind', '/usr', '/usr', '--ro-bind', '/etc', '/etc');
  for (const name of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    const st = lstatSync(`/${name}`, { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) a.push('--symlink', readlinkSync(`/${name}`), `/${name}`);
    else if (st?.isDirectory()) a.push('--ro-bind', `/${name}`, `/${name}`);
  }
  for (const p of ['/opt', '/var/cache/fontconfig', '/var/lib/dbus', ...j.extraReadOnly]) a.push('--ro-bind-try', p, p);
  const exposed = ['/usr', '/etc', '/opt', ...j.extraReadOnly];
  for (const p of j.hide) if (exposed.some((e) => p === e || p.startsWith(e + sep)) && othersCanReach(p)) a.push('--tmpfs', p);
  a.push('--dev', '/dev', '--proc', '/proc', '--tmpfs', '/run', '--size', String(256 << 20), '--tmpfs', '/var/tmp');
  a.push('--symlink', '../run', '/var/run', '--bind-fd', fd(j.hostTmp), '/tmp', '--bind-fd', fd(j.hostHome), '/home/user');
  a.push('--ro-bind-data', fd(j.passwdFile), '/etc/passwd', '--ro-bind-data', fd(j.groupFile), '/etc/group');
  if (role === 'rdp') {
    const f = j.rdpFiles;
    if (!f) throw new Error('an RDP desktop needs its xrdp files');
    for (const [host, at] of [
      [f.ini, inside(j).rdpIni],
      [f.cert, inside(j).rdpCert],
      [f.key, inside(j).rdpKey],
      [f.rsakeys, '/etc/xrdp/rsakeys.ini'], // read from this fixed path; the host's belongs to user xrdp
    ] as const)
      a.push('--perms', '0400', '--ro-bind-data', fd(host), at);
    // The socket's directory exists in this sandbox only: desktop programs, same uid, cannot dial it.
    a.push('--bind-fd', fd(j.vncDir), dirname(inside(j).rdpSocket));
  }
  if (role === 'channels') {
    // chansrv makes its socket in this fixed directory; xrdp dials it (chansrvport, rdp.ts). Desktop
    // programs (same uid) see neither this directory nor xrdp's, so they can neither dial nor squat it.
    a.push('--bind-fd', fd(hostChansrvDir(j)), inside(j).chansrvDir);
  }
  if (role === 'server' && j.protocol !== 'rdp') {
    a.push('--perms', '0400', '--ro-bind-data', fd(j.vncPasswdFile), inside(j).vncPasswd);
    // The socket's directory exists in this sandbox only: desktop programs, same uid, cannot dial it.
    a.push('--bind-fd', fd(j.vncDir), dirname(inside(j).vncSocket));
  }
  a.push('--remount-ro', '/', '--chdir', '/home/user', '--', program, ...programArgs);
  return run(j.bwrap, a, '/', fds);
}

/** True when every directory above `path` lets others search it, i.e. the desktop's uid could reach it. */
function othersCanReach(path: string): boolean {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const st = statSync(dir, { throwIfNoEntry: false });
    if (!st || (st.mode & 0o001) === 0) return false;
    if (dir === dirname(dir)) return true;
  }
}

/** The passwd/group lines the sandbox sees: ours first (getpwuid finds it), host lines after. */
export function identityFiles(hostPasswd: string, hostGroup: string, uid: number, gid: number): { passwd: string; group: string } {
  const keep = (text: string, id: number): string =>
    text
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('user:') && l.split(':')[2] !== String(id))
      .join('\n');
  return {
    passwd: `user:x:${uid}:${gid}:Deskport desktop:/home/user:/bin/bash\n${keep(hostPasswd, uid)}\n`,
    group: `user:x:${gid}:\n${keep(hostGroup, gid)}\n`,
  };
}

/** Starts a program in its own session (so it outlives the gateway), output appended to logPath.
 *  Resolves once it has a pid; rejects if it could not be started at all. */
export async function spawnDetached(j: Jail, cmd: Command, env: Record<string, string>, logPath: string): Promise<ChildProcess> {
  const log = openSync(logPath, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600);
  const fds = openAll(cmd.fds);
  try {
    const child = spawn(cmd.file, cmd.args, {
      cwd: cmd.cwd,
      env,
      detached: true,
      stdio: ['ignore', log, log, ...fds], // no uid here: the launch prefix enters cgroups as root, then drops
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.on('error', () => undefined); // after a successful spawn, failures show in the log and in /proc
    child.unref();
    return child;
  } finally {
    for (const fd of [log, ...fds]) closeSync(fd);
  }
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a short command inside the desktop and collects its output (capped at 64 KiB each). */
export async function runOnce(j: Jail, cmd: Command, env: Record<string, string>, timeoutMs: number): Promise<RunResult> {
  const fds = openAll(cmd.fds);
  let child: ChildProcess;
  try {
    child = spawn(cmd.file, cmd.args, {
      cwd: cmd.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe', ...fds],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  const out = { stdout: '', stderr: '' };
  const collect = (key: 'stdout' | 'stderr') => (chunk: Buffer) => {
    if (out[key].length < 65_536) out[key] += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect('stdout'));
  child.stderr?.on('data', collect('stderr'));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, ...out }));
  });
}

/** Opens the host paths a command hands over as fds 3, 4, ... (directories with O_DIRECTORY). */
export function openAll(paths: string[]): number[] {
  const fds: number[] = [];
  try {
    for (const p of paths) fds.push(openSync(p, constants.O_RDONLY | (statSync(p).isDirectory() ? constants.O_DIRECTORY : 0)));
    return fds;
  } catch (err) {
    for (const fd of fds) closeSync(fd);
    throw err;
  }
}
