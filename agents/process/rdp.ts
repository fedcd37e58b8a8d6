// RDP desktops: Xorg with xorgxrdp as the X server, and xrdp WITHOUT sesman in front of it, listening
// on a unix socket only the agent can open. Without sesman, xrdp's libxup checks no user name or
// password: whoever reaches the listener gets the desktop, hence never TCP (README.md in this folder).
// Measured recipe: /work/shared/ENVIRONMENT.md "RDP servers".
import { execFile } from 'node:child_process';
import { chmod, chown, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { RdpBins } from './runtime.ts';
import { hostChansrvDir, inside, type Jail } from './sandbox.ts';

const run = promisify(execFile);

/** xrdp's ini: TLS only (its own certificate), the session autostarted on the desktop's Xorg through
 *  libxup, logs to stdout (the desktop's xrdp.log). `port=unix://.` + an absolute path: xrdp strips
 *  `unix://.` (measured: `unix:///abs` listens nowhere). */
export function xrdpIni(j: Jail): string {
  const at = inside(j);
  return [
    '[Globals]',
    'ini_version=1',
    'fork=true',
    `port=unix://.${at.rdpSocket}`,
    'use_vsock=false',
    'tcp_nodelay=true',
    'security_layer=tls',
    'crypt_level=high',
    `certificate=${at.rdpCert}`,
    `key_file=${at.rdpKey}`,
    'ssl_protocols=TLSv1.2, TLSv1.3',
    'autorun=Xorg',
    'allow_channels=true',
    'allow_multimon=true',
    'bitmap_cache=true',
    'bitmap_compression=true',
    'bulk_compression=true',
    'max_bpp=32',
    'new_cursors=true',
    'use_fastpath=both',
    '',
    '[Logging]',
    'LogFile=/dev/null',
    'LogLevel=INFO',
    'EnableSyslog=false',
    'EnableConsole=true',
    'ConsoleLevel=INFO',
    '',
    '[Channels]',
    'rdpdr=false',
    // Sound: chansrv listens for it while a client with rdpsnd is connected; the agent feeds it (rdp-sound.ts).
    `rdpsnd=${withChansrv(j)}`,
    'drdynvc=true',
    'cliprdr=true',
    'rail=false',
    'xrdpvr=false',
    '',
    '[Xorg]',
    'name=Xorg',
    'lib=libxup.so', // a name: xrdp loads it from its module directory and refuses a path (measured)
    'username=ask',
    'password=ask',
    'ip=127.0.0.1', // libxup refuses an empty ip even when port is a unix socket path
    `port=${xorgxrdpSocket(j)}`,
    'code=20',
    // Without sesman nothing else tells xrdp where the clipboard channel's server is: xrdp dials it
    // after the session starts (bwrap only: see chansrvArgv).
    ...(withChansrv(j) ? [`chansrvport=${CHANSRV_IN_XRDP}/${chansrvSocketName(j)}`] : []),
    '',
  ].join('\n');
}

/** xrdp-chansrv serves the RDP virtual channels (here: cliprdr, the clipboard) for the Xorg session.
 *  Only with bwrap: its socket directory is fixed in Debian's build (/run/xrdp/sockdir), which bwrap
 *  makes private to chansrv and xrdp; on the host it is a directory every uid shares, where another
 *  desktop could take the socket's name first and get this desktop's clipboard from xrdp. */
export const withChansrv = (j: Jail): boolean => j.mode === 'bwrap';

/** Where xrdp (its sandbox has the socket's host directory at /run/deskport/vnc) finds chansrv's directory. */
const CHANSRV_IN_XRDP = '/run/deskport/vnc/chansrv';
const chansrvSocketName = (j: Jail): string => `xrdp_chansrv_socket_${j.display}`;
/** chansrv's socket on the host: the agent waits for it before xrdp starts. */
export const hostChansrvSocket = (j: Jail): string => `${hostChansrvDir(j)}/${chansrvSocketName(j)}`;

export const chansrvArgv = (bins: Pick<RdpBins, 'chansrv'>): string[] => [bins.chansrv];

/** chansrv is an X client of the desktop (DISPLAY, cookie). It writes its log to
 *  $XDG_DATA_HOME/xrdp/xrdp-chansrv.N.log whatever sesman.ini says: the desktop's tmp, not the home. */
export function chansrvEnv(j: Jail, env: Record<string, string>): Record<string, string> {
  return { ...env, XDG_DATA_HOME: inside(j).tmp };
}

/** Where xorgxrdp makes its socket for display :N (fixed by xorgxrdp), as the desktop sees it. */
export const xorgxrdpSocket = (j: Jail): string => `${inside(j).tmp}/.xrdp/xrdp_display_${j.display}`;

/** xorgxrdp's sockets on the host: in the desktop's own /tmp with bwrap, the shared /tmp without. */
export function hostXorgxrdpSocket(j: Jail): string {
  return j.mode === 'none' ? xorgxrdpSocket(j) : `${j.hostTmp}/.xrdp/xrdp_display_${j.display}`;
}

/** Xorg with xorgxrdp on display :N, as the desktop's own user (not the setuid wrapper). */
export function xorgArgv(j: Jail, bins: Pick<RdpBins, 'Xorg' | 'xorgConf'>): string[] {
  const at = inside(j);
  return [
    bins.Xorg,
    `:${j.display}`,
    '-config',
    bins.xorgConf,
    '-noreset',
    '-nolisten',
    'tcp',
    '-auth',
    at.xauthority,
    '-logfile',
    `${j.mode === 'none' ? j.hostTmp : at.tmp}/.Xorg.${j.display}.log`, // the desktop's own tmp, removed with it
  ];
}

export const xrdpArgv = (j: Jail, bins: Pick<RdpBins, 'xrdp'>): string[] => [bins.xrdp, '-n', '-c', inside(j).rdpIni];

/** Writes xrdp's ini, a fresh self-signed certificate and key (openssl) and RSA keys (xrdp-keygen).
 *  bwrap: root-only files (0600) the sandbox gets copies of; without a sandbox xrdp opens them itself,
 *  so they belong to the desktop's uid (`ids`). */
export async function writeRdpFiles(j: Jail, bins: RdpBins, ids: { uid: number; gid: number } | null): Promise<void> {
  const f = j.rdpFiles;
  if (!f) throw new Error('an RDP desktop needs its xrdp files');
  for (const p of [f.ini, f.cert, f.key, f.rsakeys]) await rm(p, { force: true });
  await writeFile(f.ini, xrdpIni(j), { mode: 0o600, flag: 'wx' });
  const opts = { timeout: 30_000, env: { PATH: '/usr/bin:/bin' } };
  await Promise.all([
    run(
      bins.openssl,
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        f.key,
        '-out',
        f.cert,
        '-days',
        '3650',
        '-subj',
        '/CN=deskport-desktop',
        '-batch',
      ],
      opts,
    ),
    run(bins.keygen, ['xrdp', f.rsakeys], opts),
  ]).catch((err: Error & { stderr?: string }) => {
    throw new Error(`cannot make the RDP desktop's certificate or keys: ${(err.stderr || err.message).trim().slice(0, 300)}`);
  });
  for (const p of [f.ini, f.cert, f.key, f.rsakeys]) {
    await chmod(p, 0o600);
    if (ids && j.mode === 'none') await chown(p, ids.uid, ids.gid);
  }
}
