// The sandbox a desktop program gets, read off the bwrap command line: what each role may see and
// reach. (The integration tests show the same from inside a real desktop.)
import { describe, expect, it } from 'vitest';
import { command, desktopEnv, identityFiles, type Jail } from './sandbox.ts';

const jail = (over: Partial<Jail> = {}): Jail => ({
  mode: 'bwrap',
  ids: { uid: 2_000_000_001, gid: 2_000_000_001 },
  display: 21,
  hostHome: '/srv/dp/homes/pooled/d1',
  hostTmp: '/srv/dp/desktops/d1/tmp',
  vncDir: '/srv/dp/vnc/0123456789abcdef',
  vncPasswdFile: '/srv/dp/desktops/d1/vncpasswd',
  passwdFile: '/srv/dp/desktops/d1/passwd',
  groupFile: '/srv/dp/desktops/d1/group',
  sessionNetwork: 'none',
  extraReadOnly: [],
  hide: ['/srv/dp'],
  bwrap: '/usr/bin/bwrap',
  launch: { sh: '/bin/sh', prlimit: '/usr/bin/prlimit', nice: '/usr/bin/nice', unshare: '/usr/bin/unshare', setpriv: '/usr/bin/setpriv' },
  fences: { cgroupProcs: [], nproc: null, asBytes: null, niceness: 0, ids: null },
  ...over,
});

const pairs = (args: string[], flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));

describe('command', () => {
  it('exposes only system paths read-only, never / or the data dir', () => {
    const { args } = command(jail(), 'session', ['/usr/bin/xterm']);
    expect(pairs(args, '--ro-bind')).toEqual(['/usr', '/etc']);
    expect(args).not.toContain('/srv/dp');
    expect(args.slice(-2)).toEqual(['--', '/usr/bin/xterm']);
  });

  it('hands over home, tmp and the identity files as descriptors, in fd order', () => {
    const c = command(jail(), 'server', ['/usr/bin/Xvnc', ':21']);
    expect(c.fds).toEqual([
      '/srv/dp/desktops/d1/tmp',
      '/srv/dp/homes/pooled/d1',
      '/srv/dp/desktops/d1/passwd',
      '/srv/dp/desktops/d1/group',
      '/srv/dp/desktops/d1/vncpasswd',
      '/srv/dp/vnc/0123456789abcdef',
    ]);
    expect(pairs(c.args, '--bind-fd')).toEqual(['3', '4', '8']);
    expect(pairs(c.args, '--ro-bind-data')).toEqual(['5', '6', '7']);
  });

  it('mounts the VNC socket directory into the VNC server only', () => {
    expect(command(jail(), 'server', ['x']).fds).toContain('/srv/dp/vnc/0123456789abcdef');
    for (const role of ['session', 'oneshot'] as const)
      expect(command(jail(), role, ['x']).fds).not.toContain('/srv/dp/vnc/0123456789abcdef');
  });

  it("RDP: xrdp alone gets the socket directory and its files (RSA keys over xrdp's fixed path); Xorg neither", () => {
    const rdpFiles = { ini: '/d/xrdp.ini', cert: '/d/cert.pem', key: '/d/key.pem', rsakeys: '/d/rsakeys.ini' };
    const j = jail({ protocol: 'rdp', rdpFiles });
    const xrdp = command(j, 'rdp', ['/usr/sbin/xrdp', '-n']);
    expect(xrdp.fds).toEqual(
      expect.arrayContaining(['/d/xrdp.ini', '/d/cert.pem', '/d/key.pem', '/d/rsakeys.ini', '/srv/dp/vnc/0123456789abcdef']),
    );
    expect(xrdp.args.join(' ')).toContain('/etc/xrdp/rsakeys.ini');
    expect(xrdp.args).toContain('--unshare-net');
    expect(command(jail({ protocol: 'rdp', rdpFiles, sessionNetwork: 'host' }), 'rdp', ['x']).args).toContain('--unshare-net');
    const xorg = command(j, 'server', ['/usr/lib/xorg/Xorg', ':21']);
    expect(xorg.fds).not.toContain('/srv/dp/vnc/0123456789abcdef');
    expect(xorg.fds).not.toContain('/srv/dp/desktops/d1/vncpasswd');
    expect(xorg.args).toContain('--unshare-net');
    for (const role of ['session', 'oneshot'] as const) expect(command(j, role, ['x']).fds).not.toContain('/d/key.pem');
  });

  it('the sound server gets no network and nothing but home, tmp and the identity files', () => {
    const c = command(jail({ sessionNetwork: 'host' }), 'sound', ['/usr/bin/pulseaudio']);
    expect(c.args).toContain('--unshare-net');
    expect(c.fds).toEqual([
      '/srv/dp/desktops/d1/tmp',
      '/srv/dp/homes/pooled/d1',
      '/srv/dp/desktops/d1/passwd',
      '/srv/dp/desktops/d1/group',
    ]);
  });

  it('keeps the VNC server off every network, and session programs too unless asked', () => {
    expect(command(jail(), 'server', ['x']).args).toContain('--unshare-net');
    expect(command(jail({ sessionNetwork: 'host' }), 'server', ['x']).args).toContain('--unshare-net');
    expect(command(jail(), 'session', ['x']).args).toContain('--unshare-net');
    expect(command(jail({ sessionNetwork: 'host' }), 'session', ['x']).args).not.toContain('--unshare-net');
  });

  it('without bwrap, a root driver gives the VNC server an empty network namespace of its own', () => {
    const ids = { uid: 2_000_000_001, gid: 2_000_000_001 };
    const server = command(jail({ mode: 'none', fences: { cgroupProcs: [], nproc: null, asBytes: null, niceness: 0, ids } }), 'server', [
      '/usr/bin/Xvnc',
    ]);
    expect([server.file, ...server.args]).toEqual([
      '/usr/bin/unshare',
      '--net',
      '--',
      '/usr/bin/setpriv',
      '--reuid=2000000001',
      '--regid=2000000001',
      '--clear-groups',
      '--',
      '/usr/bin/Xvnc',
    ]);
    const session = command(jail({ mode: 'none', fences: { cgroupProcs: [], nproc: null, asBytes: null, niceness: 0, ids } }), 'session', [
      '/usr/bin/xterm',
    ]);
    expect(session.file).toBe('/usr/bin/setpriv');
  });

  it('starts every program through its fences: cgroups first (as root), then rlimits, nice, the uid drop, bwrap', () => {
    const fences = {
      cgroupProcs: ['/sys/fs/cgroup/pids/x/cgroup.procs'],
      nproc: 64,
      asBytes: 1 << 28,
      niceness: 10,
      ids: { uid: 7, gid: 8 },
    };
    const c = command(jail({ fences }), 'session', ['/usr/bin/xterm']);
    const argv = [c.file, ...c.args];
    expect(argv.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    const order = [
      '/sys/fs/cgroup/pids/x/cgroup.procs',
      '/usr/bin/prlimit',
      '--nproc=64',
      `--as=${1 << 28}`,
      '/usr/bin/nice',
      '/usr/bin/setpriv',
      '/usr/bin/bwrap',
      '/usr/bin/xterm',
    ];
    const at = order.map((a) => argv.indexOf(a));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((x, y) => x - y)).toEqual(at);
  });

  it('only one-shot commands die with their caller; desktop programs must outlive the agent', () => {
    expect(command(jail(), 'oneshot', ['x']).args).toContain('--die-with-parent');
    expect(command(jail(), 'session', ['x']).args).not.toContain('--die-with-parent');
    expect(command(jail(), 'server', ['x']).args).not.toContain('--die-with-parent');
  });

  it('without a sandbox (and not root) runs the program itself, from its home', () => {
    expect(command(jail({ mode: 'none' }), 'session', ['/usr/bin/xterm', '-ls'])).toEqual({
      file: '/usr/bin/xterm',
      args: ['-ls'],
      cwd: '/srv/dp/homes/pooled/d1',
      fds: [],
    });
  });
});

describe('desktopEnv', () => {
  it('is built from scratch, with the display, cookie and sound server for session programs', () => {
    expect(desktopEnv(jail(), true)).toEqual({
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: '/home/user',
      USER: 'user',
      LOGNAME: 'user',
      SHELL: '/bin/bash',
      LANG: 'C.UTF-8',
      DISPLAY: ':21',
      XAUTHORITY: '/tmp/.Xauthority',
      PULSE_SERVER: 'unix:/tmp/pulse/native',
    });
    expect(desktopEnv(jail(), false)).not.toHaveProperty('DISPLAY');
    expect(desktopEnv(jail(), false)).not.toHaveProperty('PULSE_SERVER');
  });
});

describe('identityFiles', () => {
  it("puts the desktop's user first and drops host entries with its name or id", () => {
    const f = identityFiles(
      'root:x:0:0::/root:/bin/bash\nuser:x:1000:1000::/home/user:/bin/sh\n',
      'root:x:0:\n',
      2_000_000_001,
      2_000_000_001,
    );
    expect(f.passwd).toBe('user:x:2000000001:2000000001:Deskport desktop:/home/user:/bin/bash\nroot:x:0:0::/root:/bin/bash\n');
    expect(f.group).toBe('user:x:2000000001:\nroot:x:0:\n');
  });
});
