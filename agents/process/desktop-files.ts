// Creates a desktop's files with the owner and mode its isolation depends on: a home only its uid can
// enter, a private /tmp holding the X cookie, and the root-only copies bwrap hands into the sandbox.
import { chmod, chown, cp, lchown, lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Jail } from './sandbox.ts';
import { identityFiles } from './sandbox.ts';
import { vncPasswordFile, xauthorityFile } from './secret-files.ts';

type Ids = { uid: number; gid: number } | null;

/** Pooled homes start fresh from /etc/skel; personal ones are reused and re-owned if their uid changed. */
export async function prepareHome(path: string, ids: Ids, fresh: boolean): Promise<void> {
  if (fresh) await rm(path, { recursive: true, force: true });
  const st = await lstat(path).catch(() => null);
  if (st && !st.isDirectory()) throw new Error(`home ${path} is not a directory`);
  if (!st) {
    await mkdir(path, { mode: 0o700 });
    await cp('/etc/skel', path, { recursive: true }).catch(() => undefined); // nice to have, not needed
  }
  if (ids && (!st || st.uid !== ids.uid)) await chownTree(path, ids);
  await chmod(path, 0o700);
}

async function chownTree(path: string, ids: { uid: number; gid: number }): Promise<void> {
  await lchown(path, ids.uid, ids.gid); // lchown: a symlink planted in a home must not redirect us
  const st = await lstat(path);
  if (!st.isDirectory()) return;
  for (const name of await readdir(path)) await chownTree(join(path, name), ids);
}

/** The per-desktop files. In bwrap mode the VNC password and identity files are root-only (0600) in
 *  the desktop directory; without a sandbox Xvnc must open the password file itself, so it lives in
 *  the desktop's private tmp directory, owned by the desktop's uid. */
export async function writeDesktopFiles(j: Jail, desktopDir: string, secret: string, ids: Ids): Promise<void> {
  await mkdir(desktopDir, { recursive: true, mode: 0o711 }); // passable, not listable: see prepareRoot
  for (const dir of [j.hostTmp, j.vncDir]) {
    await rm(dir, { recursive: true, force: true }); // a leftover of a crashed desktop with this id
    await mkdir(dir, { mode: 0o700 });
    if (ids) await chown(dir, ids.uid, ids.gid); // Xvnc, as the desktop's uid, makes its socket in vncDir
  }
  const own = async (path: string, data: Buffer | string): Promise<void> => {
    await writeFile(path, data, { mode: 0o600, flag: 'wx' });
    if (ids) await chown(path, ids.uid, ids.gid);
  };
  await own(join(j.hostTmp, '.Xauthority'), xauthorityFile(j.display));
  if (j.mode === 'none') {
    await own(j.vncPasswdFile, vncPasswordFile(secret));
    await ensureX11SocketDir();
    return;
  }
  await writeFile(j.vncPasswdFile, vncPasswordFile(secret), { mode: 0o600 });
  const uid = ids?.uid ?? process.getuid?.() ?? 0;
  const gid = ids?.gid ?? process.getgid?.() ?? 0;
  const files = identityFiles(await readFile('/etc/passwd', 'utf8'), await readFile('/etc/group', 'utf8'), uid, gid);
  await writeFile(j.passwdFile, files.passwd, { mode: 0o600 });
  await writeFile(j.groupFile, files.group, { mode: 0o600 });
}

/** Without a sandbox every Xvnc shares the host's /tmp/.X11-unix, which must be root's and sticky. */
async function ensureX11SocketDir(): Promise<void> {
  const st = await lstat('/tmp/.X11-unix').catch(() => null);
  if (st) return;
  await mkdir('/tmp/.X11-unix', { mode: 0o1777 });
  await chmod('/tmp/.X11-unix', 0o1777); // mkdir's mode is masked by the umask
}

/** An unsandboxed X server killed with SIGKILL leaves its lock and sockets in the shared /tmp. */
export async function removeStaleXFiles(display: number, uid: number): Promise<void> {
  for (const path of [
    `/tmp/.X${display}-lock`,
    `/tmp/.X11-unix/X${display}`,
    `/tmp/.xrdp/xrdp_display_${display}`, // xorgxrdp (RDP desktops)
    `/tmp/.xrdp/xrdp_disconnect_display_${display}`,
  ]) {
    const st = await lstat(path).catch(() => null);
    if (st && st.uid === uid) await rm(path, { force: true });
  }
}
