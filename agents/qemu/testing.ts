// Test support for the qemu driver's integration tests: the test image made ready (built once per
// recipe on a machine), a short state dir, and a cleanup that kills every QEMU a test run recorded
// (checked by pid start time) and removes its files and disks, also after failures.
import { mkdtemp, rm } from 'node:fs/promises';
import { stillRunning } from '../process/procfs.ts';
import { buildVmImage } from './images.ts';
import { readAllStates } from './vm.ts';

/** Builds (or reuses) the vm-test image in the default cache. Seconds the first time (a kernel download). */
export async function prepareTestImage(): Promise<void> {
  const r = await buildVmImage({ kind: 'vm-test', log: { debug() {}, info: (_o, msg) => console.info(`[vm-image] ${msg ?? ''}`) } });
  console.info(`[vm-image] vm-test: ${r.cached ? 'cached' : 'built'} in ${r.seconds} s (${r.dir})`);
}

/** Short on purpose: the QMP socket path under it must stay below Linux's 107-byte cap. */
export const tempStateDir = (): Promise<string> => mkdtemp('/tmp/deskport-qemu-');

/** SIGKILLs the process group of every VM recorded under stateDir that is still that same process,
 *  then removes the directory (overlays and personal disks with it). */
export async function removeAllVms(stateDir: string): Promise<void> {
  for (const s of await readAllStates(stateDir)) {
    if (!(await stillRunning({ pid: s.pid, start: s.pidStart }))) continue;
    try {
      process.kill(-s.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    for (let i = 0; i < 100 && (await stillRunning({ pid: s.pid, start: s.pidStart })); i++) await new Promise((r) => setTimeout(r, 50));
  }
  await rm(stateDir, { recursive: true, force: true });
}
