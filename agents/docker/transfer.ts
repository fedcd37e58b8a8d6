// File transfer for docker desktops: the container's home is a docker volume, which the engine keeps
// in a directory on this host; the agent (root, next to a local engine) reaches it there with the
// same component-by-component, no-symlink opens as process desktops (agents/files/transfer.ts).
import type { ContainerInspectInfo } from 'dockerode';
import { FileError, type FileHome } from '../files/home-fs.ts';
import { DESKTOP_UID } from './files.ts';

const HOME_IN_CONTAINER = '/home/user';

/** The host path of the desktop's home volume, owned by the image's desktop user (uid 1000). */
export function homeOnHost(info: ContainerInspectInfo, socketPath: string): FileHome {
  const mount = info.Mounts?.find((m) => m.Destination === HOME_IN_CONTAINER && m.Type === 'volume');
  if (!mount?.Source) throw new FileError('files_unavailable', 'this desktop has no home volume to transfer files with');
  // A volume's directory is root-only on the engine's host: only a root agent beside a local engine reaches it.
  if (process.getuid?.() !== 0)
    throw new FileError('files_unavailable', `file transfer needs the agent to run as root next to its docker engine (${socketPath})`);
  return { root: mount.Source, ids: { uid: DESKTOP_UID, gid: DESKTOP_UID } };
}
