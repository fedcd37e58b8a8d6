// Picks a free X display number and uid for a new desktop. Checks are best effort (another program
// may take a display between the check and Xvnc's start): create() retries on a clash.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Free if no X server on the host network and /tmp holds it: no lock file or socket in the host
 *  /tmp, and no abstract socket. (A sandboxed Xvnc has its own /tmp and network namespace, so it
 *  clashes with nothing; the driver's records keep its own desktops apart.) */
export async function displayFree(display: number, unixSockets: string): Promise<boolean> {
  for (const path of [`/tmp/.X${display}-lock`, `/tmp/.X11-unix/X${display}`]) {
    if (await exists(path)) return false;
  }
  return !new RegExp(` @?/tmp/\\.X11-unix/X${display}$`, 'm').test(unixSockets);
}

export async function pickDisplay(o: { base: number; count: number; taken: Set<number> }): Promise<number> {
  const unixSockets = await readFile('/proc/net/unix', 'utf8').catch(() => '');
  for (let display = o.base; display < o.base + o.count; display++) {
    if (o.taken.has(display)) continue;
    if (await displayFree(display, unixSockets)) return display;
  }
  throw new Error(`no free X display in :${o.base}-:${o.base + o.count - 1}`);
}

/** uids in [base, base + count) that nothing uses: no desktop record, no home owned by it, no process
 *  running as it. The default range starts at 2,000,000,000: above systemd's container ranges
 *  (524288-1879048191) and below 2^31, which some tools mishandle. */
export function pickUid(o: { base: number; count: number; taken: Set<number> }): number {
  for (let uid = o.base; uid < o.base + o.count; uid++) if (!o.taken.has(uid)) return uid;
  throw new Error(`no free uid in [${o.base}, ${o.base + o.count})`);
}

/** Owners of the entries directly inside each directory (the homes a uid must never be recycled into). */
export async function ownersIn(dirs: string[]): Promise<number[]> {
  const owners: number[] = [];
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const st = await stat(join(dir, name)).catch(() => null);
      if (st) owners.push(st.uid);
    }
  }
  return owners;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
