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
  vncPasswdFile: '/srv/dp/desktops/d1/vncpasswd',
  passwdFile: '/srv/dp/desktops/d1/passwd',
  groupFile: '/srv/dp/desktops/d1/group',
  sessionNetwork: 'none',
  extraReadOnly: [],
  hide: ['/srv/dp'],
  bwrap: '/usr/bin/bwrap',
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
    expect(c.fds).toEqual(['/srv/dp/desktops/d1/tmp', '/srv/dp/homes/pooled/d1', '/srv/dp/desktops/d1/passwd', '/srv/dp/desktops/d1/group', '/srv/dp/desktops/d1/vncpasswd']);
    expect(pairs(c.args, '--bind-fd')).toEqual(['3', '4']);
    expect(pairs(c.args, '--ro-bind-data')).toEqual(['5', '6', '7']);
  });

  it('keeps the VNC server on host loopback and session programs off the network', () => {
    expect(command(jail(), 'server', ['x']).args).not.toContain('--unshare-net');
    expect(command(jail(), 'session', ['x']).args).toContain('--unshare-net');
    expect(command(jail({ sessionNetwork: 'host' }), 'session', ['x']).args).not.toContain('--unshare-net');
  });

  it('only one-shot commands die with their caller; desktop programs must outlive the agent', () => {
    expect(command(jail(), 'oneshot', ['x']).args).toContain('--die-with-parent');
    expect(command(jail(), 'session', ['x']).args).not.toContain('--die-with-parent');
    expect(command(jail(), 'server', ['x']).args).not.toContain('--die-with-parent');
  });

  it('without a sandbox runs the program itself, from its home', () => {
    expect(command(jail({ mode: 'none' }), 'session', ['/usr/bin/xterm', '-ls'])).toEqual({ file: '/usr/bin/xterm', args: ['-ls'], cwd: '/srv/dp/homes/pooled/d1', fds: [] });
  });
});

describe('desktopEnv', () => {
  it('is built from scratch, with the display and cookie for session programs', () => {
    expect(desktopEnv(jail(), true)).toEqual({
      PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/home/user', USER: 'user', LOGNAME: 'user', SHELL: '/bin/bash',
      LANG: 'C.UTF-8', DISPLAY: ':21', XAUTHORITY: '/tmp/.Xauthority',
    });
    expect(desktopEnv(jail(), false)).not.toHaveProperty('DISPLAY');
  });
});

describe('identityFiles', () => {
  it("puts the desktop's user first and drops host entries with its name or id", () => {
    const f = identityFiles('root:x:0:0::/root:/bin/bash\nuser:x:1000:1000::/home/user:/bin/sh\n', 'root:x:0:\n', 2_000_000_001, 2_000_000_001);
    expect(f.passwd).toBe('user:x:2000000001:2000000001:Deskport desktop:/home/user:/bin/bash\nroot:x:0:0::/root:/bin/bash\n');
    expect(f.group).toBe('user:x:2000000001:\nroot:x:0:\n');
  });
});
