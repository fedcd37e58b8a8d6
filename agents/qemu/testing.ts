// Test support for the qemu driver's integration tests: the test image made ready (built once per
// recipe on a machine), a short state dir, and a cleanup that kills every QEMU a test run recorded
// (checked by pid start time) and removes its files and disks, also after failures.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stillRunning } from '../process/procfs.ts';
import { buildVmImage } from './images.ts';
import { readAllStates } from './vm.ts';

/** Builds (or reuses) the vm-test image in the default cache. Seconds the first time (a kernel download). */
export async function prepareTestImage(): Promise<string> {
  const r = await buildVmImage({ kind: 'vm-test', log: { debug() {}, info: (_o, msg) => console.info(`[vm-image] ${msg ?? ''}`) } });
  console.info(`[vm-image] vm-test: ${r.cached ? 'cached' : 'built'} in ${r.seconds} s (${r.dir})`);
  return r.dir;
}

const run = promisify(execFile);
const SYSLINUX_MBR = '/usr/lib/syslinux/mbr/mbr.bin';
const PART_START_SECTOR = 2048; // 1 MiB in, as partitioning tools align

/**
 * An admin's own base image, as a Windows or Ubuntu qcow2 would be: a disk that boots by itself
 * (SeaBIOS → MBR → syslinux on a FAT partition → the vm-test kernel and initramfs), with no kernel
 * given to QEMU. Built from the vm-test build in about a second with syslinux, mtools and dosfstools.
 */
export async function buildBootableTestDisk(out: string): Promise<void> {
  const built = await prepareTestImage();
  const manifest = JSON.parse(await readFile(join(built, 'image.json'), 'utf8')) as { append: string };
  const work = await mkdtemp('/tmp/deskport-bootdisk-');
  try {
    const part = join(work, 'part.img');
    await writeFile(part, Buffer.alloc(0));
    await run('truncate', ['-s', '31M', part]);
    await run('mkfs.fat', ['-n', 'DESKPORT', part]);
    const cfg = join(work, 'syslinux.cfg');
    const lines = ['DEFAULT linux', 'PROMPT 0', 'TIMEOUT 0', 'LABEL linux', '  KERNEL vmlinuz', '  INITRD initrd.img'];
    await writeFile(cfg, [...lines, `  APPEND ${manifest.append}`, ''].join('\n'));
    await run('mcopy', ['-i', part, join(built, 'vmlinuz'), join(built, 'initrd.img'), cfg, '::']);
    await run('syslinux', ['--install', part]);
    // The MBR: syslinux's boot code, one bootable FAT32 (LBA) partition, the signature.
    const partition = await readFile(part);
    const mbr = Buffer.alloc(PART_START_SECTOR * 512);
    (await readFile(SYSLINUX_MBR)).copy(mbr, 0, 0, 440);
    mbr.set([0x80, 0xfe, 0xff, 0xff, 0x0c, 0xfe, 0xff, 0xff], 446);
    mbr.writeUInt32LE(PART_START_SECTOR, 454);
    mbr.writeUInt32LE(partition.length / 512, 458);
    mbr.set([0x55, 0xaa], 510);
    const raw = join(work, 'disk.raw');
    await writeFile(raw, Buffer.concat([mbr, partition]));
    await run('qemu-img', ['convert', '-O', 'qcow2', raw, out]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
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
