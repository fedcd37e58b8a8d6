// xrdp-chansrv's place in an RDP desktop, read off the bwrap command line and xrdp's ini: only
// chansrv's sandbox has its socket directory, it has no network, and xrdp is told where to dial it.
// (rdp.integration.test.ts shows the same from inside a real desktop.)
import { describe, expect, it } from 'vitest';
import { hostChansrvSocket, withChansrv, xrdpIni } from './rdp.ts';
import { command, type Jail } from './sandbox.ts';

const jail = (over: Partial<Jail> = {}): Jail => ({
  mode: 'bwrap',
  ids: { uid: 2_000_000_001, gid: 2_000_000_001 },
  display: 21,
  hostHome: '/srv/dp/homes/pooled/d1',
  hostTmp: '/srv/dp/desktops/d1/tmp',
  vncDir: '/srv/dp/vnc/0123456789abcdef',
  protocol: 'rdp',
  rdpFiles: { ini: '/srv/dp/d/xrdp.ini', cert: '/srv/dp/d/c.pem', key: '/srv/dp/d/k.pem', rsakeys: '/srv/dp/d/rsakeys.ini' },
  vncPasswdFile: '/srv/dp/desktops/d1/vncpasswd',
  passwdFile: '/srv/dp/desktops/d1/passwd',
  groupFile: '/srv/dp/desktops/d1/group',
  sessionNetwork: 'host',
  extraReadOnly: [],
  hide: ['/srv/dp'],
  bwrap: '/usr/bin/bwrap',
  launch: { sh: '/bin/sh', prlimit: '/usr/bin/prlimit', nice: '/usr/bin/nice', unshare: '/usr/bin/unshare', setpriv: '/usr/bin/setpriv' },
  fences: { cgroupProcs: [], nproc: null, asBytes: null, niceness: 0, ids: null },
  ...over,
});

/** Host directories bound into a sandbox, and where. */
function binds(c: { args: string[]; fds: string[] }): Record<string, string> {
  const out: Record<string, string> = {};
  c.args.forEach((a, i) => {
    if (a === '--bind-fd') out[c.fds[Number(c.args[i + 1]) - 3] ?? '?'] = c.args[i + 2] ?? '';
  });
  return out;
}

describe('xrdp-chansrv in an RDP desktop', () => {
  it("runs with no network, its socket directory bound at Debian's fixed /run/xrdp/sockdir", () => {
    const c = command(jail(), 'channels', ['/usr/sbin/xrdp-chansrv']);
    expect(c.args).toContain('--unshare-net'); // even when sessions have the host network
    expect(binds(c)['/srv/dp/vnc/0123456789abcdef/chansrv']).toBe('/run/xrdp/sockdir');
    expect(hostChansrvSocket(jail())).toBe('/srv/dp/vnc/0123456789abcdef/chansrv/xrdp_chansrv_socket_21');
  });

  it('no desktop program (session or one-shot) gets either socket directory', () => {
    for (const role of ['session', 'oneshot'] as const) {
      const dirs = Object.keys(binds(command(jail(), role, ['/usr/bin/xterm'])));
      expect(dirs.filter((d) => d.startsWith('/srv/dp/vnc/'))).toEqual([]);
    }
  });

  it("xrdp's ini names the socket as xrdp sees it (inside its own socket directory); none without a sandbox", () => {
    expect(xrdpIni(jail())).toMatch(/^chansrvport=\/run\/deskport\/vnc\/chansrv\/xrdp_chansrv_socket_21$/m);
    const rdp = command(jail(), 'rdp', ['/usr/sbin/xrdp']);
    expect(binds(rdp)['/srv/dp/vnc/0123456789abcdef']).toBe('/run/deskport/vnc');
    expect(withChansrv(jail({ mode: 'none' }))).toBe(false);
    expect(xrdpIni(jail({ mode: 'none' }))).not.toMatch(/chansrvport/);
  });
});
