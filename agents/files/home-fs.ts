// Opens files and folders inside a desktop's home without ever leaving it: every path component is
// opened relative to the folder opened before it, with O_NOFOLLOW, through /proc/self/fd/N/<name>
// (openat(2) by another name, which Node lacks). A symlink anywhere in the path is refused, so a
// link planted in the home (to /etc, to another home) cannot redirect a transfer, nor can a folder
// swapped for a link between a check and the open: there is no separate check.
import { constants as C } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { nameProblem } from '../../contract/file-paths.ts';

/** Where a desktop's home is on this host, and whose it is (null ids: the agent's own user owns it). */
export interface FileHome {
  /** Host path of the home directory (created by the driver, below root-owned directories). */
  root: string;
  ids: { uid: number; gid: number } | null;
}

/** A refusal or failure the person can act on; `code` travels to the gateway (files.error). */
export class FileError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const DIR_FLAGS = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW;

/** The path of `name` inside the folder open as `dir`, for open/link/unlink/lstat. A name that is not
 *  one plain component ('..', '.', 'a/b') would leave that folder: refused here too, whatever the caller checked. */
export function inDir(dir: FileHandle, name: string): string {
  const why = nameProblem(name);
  if (why) throw new FileError('bad_path', why);
  return `/proc/self/fd/${dir.fd}/${name}`;
}

export function explain(err: unknown, what: string): FileError {
  if (err instanceof FileError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ELOOP':
      return new FileError('symlink_refused', `${what} is a symbolic link; links are not followed, so nothing can leave the home`);
    case 'ENOENT':
      return new FileError('not_found', `${what} does not exist (any more)`);
    case 'ENOTDIR':
      return new FileError('not_a_folder', `${what} is not a folder`);
    case 'EACCES':
    case 'EPERM':
      return new FileError('permission_denied', `${what}: permission denied`);
    case 'ENOSPC':
    case 'EDQUOT':
      return new FileError('disk_full', 'the desktop’s disk is full; delete files on the desktop and try again');
    case 'EISDIR':
      return new FileError('not_a_file', `${what} is a folder, not a file`);
    default:
      return new FileError('file_error', `${what}: ${(err as Error).message ?? String(err)}`);
  }
}

/** Opens the folder `parts` below the home, component by component; the caller closes it. */
export async function openFolder(home: FileHome, parts: readonly string[]): Promise<FileHandle> {
  let dir: FileHandle;
  try {
    dir = await open(home.root, DIR_FLAGS);
  } catch (err) {
    throw explain(err, 'the desktop’s home');
  }
  const walked: string[] = [];
  try {
    for (const part of parts) {
      walked.push(part);
      let next: FileHandle;
      try {
        next = await open(inDir(dir, part), DIR_FLAGS);
      } catch (err) {
        // O_DIRECTORY wins over O_NOFOLLOW: a link to a folder answers ENOTDIR. Say what it is.
        if ((err as NodeJS.ErrnoException).code === 'ENOTDIR' && (await lstat(inDir(dir, part)).catch(() => null))?.isSymbolicLink())
          throw explain(Object.assign(new Error('link'), { code: 'ELOOP' }), `"${walked.join('/')}"`);
        throw explain(err, `"${walked.join('/')}"`);
      }
      await dir.close();
      dir = next;
    }
    return dir;
  } catch (err) {
    await dir.close().catch(() => undefined);
    throw err;
  }
}

/** A folder or file the desktop's user does not own is not theirs to hand out or write into (a
 *  hard link to a root file, a root-made folder): the agent runs as root and must not lend it. */
export function checkOwner(home: FileHome, uid: number, what: string): void {
  if (home.ids && uid !== home.ids.uid) throw new FileError('permission_denied', `${what} does not belong to the desktop’s user`);
}
