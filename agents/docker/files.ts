// The host side of a docker desktop: its VNC password file (bind-mounted read-only) and the directory
// its Xvnc creates the VNC unix socket in (bind-mounted read-write). Nothing else lives on the host:
// the rest of a desktop's state is in its container's labels.
import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { vncPasswordFile } from '../process/secret-files.ts';

/** The desktop user's uid and gid in the image (infra/images/desktop/build.sh). */
export const DESKTOP_UID = 1000;
/** Where the container sees the two host paths. */
export const RUN_DIR_IN_CONTAINER = '/run/deskport';
export const SECRET_IN_CONTAINER = '/run/secrets/deskport-vncpasswd';
export const SOCKET_NAME = 'vnc.sock';
/** RDP desktops (protocol 'rdp'): xrdp's socket, in the same agent-only directory. */
export const RDP_SOCKET_NAME = 'rdp.sock';

export interface DesktopPaths {
  dir: string;
  /** vncpasswd-format (8 obfuscated bytes), uid 1000, 0400. */
  secretFile: string;
  /** uid 1000, 0700: Xvnc makes `vnc.sock` here. */
  runDir: string;
  socket: string;
}

/** `<stateDir>/docker/<16 hex of sha256(id)>/`: a fixed-length name keeps the socket path under
 *  Linux's 107-byte cap whatever the id's length (ids are up to 64 characters). */
export function desktopPaths(stateDir: string, desktopId: string): DesktopPaths {
  const dir = join(stateDir, 'docker', createHash('sha256').update(desktopId).digest('hex').slice(0, 16));
  const runDir = join(dir, 'run');
  return { dir, secretFile: join(dir, 'vncpasswd'), runDir, socket: join(runDir, SOCKET_NAME) };
}

/** stateDir and docker/ are root 0700, so no host user (uid 1000 may well be one) gets near the
 *  socket or the password; inside the container only the desktop user reads them. */
export async function prepareStateDir(stateDir: string): Promise<void> {
  await mkdir(join(stateDir, 'docker'), { recursive: true, mode: 0o700 });
  await chmod(stateDir, 0o700);
  await chmod(join(stateDir, 'docker'), 0o700);
}

export async function writeDesktopFiles(p: DesktopPaths, secret: string): Promise<void> {
  await rm(p.dir, { recursive: true, force: true });
  await mkdir(p.runDir, { recursive: true, mode: 0o700 });
  await writeFile(p.secretFile, vncPasswordFile(secret), { mode: 0o400 });
  // Without root (a docker-group user) chown fails: the files then need other-access to be usable
  // inside the container; the 0700 directories above still keep host users out.
  const owned = await Promise.all([chown(p.runDir, DESKTOP_UID, DESKTOP_UID), chown(p.secretFile, DESKTOP_UID, DESKTOP_UID)]).then(
    () => true,
    () => false,
  );
  if (!owned) await Promise.all([chmod(p.runDir, 0o777), chmod(p.secretFile, 0o444)]);
}

/** True when the desktop's recorded secret is this one (a retried create, not a clash). */
export async function sameSecret(p: DesktopPaths, secret: string): Promise<boolean> {
  const recorded = await readFile(p.secretFile).catch(() => null);
  return recorded !== null && recorded.equals(vncPasswordFile(secret));
}

export function removeDesktopFiles(p: DesktopPaths): Promise<void> {
  return rm(p.dir, { recursive: true, force: true });
}
