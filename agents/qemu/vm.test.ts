// What a qemu host reports as its VMs' disk: allocated bytes of each recorded VM's overlay, and in the
// total also the kept personal disks nobody uses now; real files in a temp dir (no QEMU needed).
import { mkdir, mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diskUsageOf, personalOverlay, prepareStateDir, vmPaths, writeState } from './vm.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dp-vm-disk-'));
  await prepareStateDir(dir);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const record = async (desktopId: string, overlay: string, persistence: 'pooled' | 'personal') => {
  const p = vmPaths(dir, desktopId);
  await mkdir(p.dir, { recursive: true });
  await writeState(p, {
    desktopId,
    pid: 1,
    pidStart: 1,
    startedAt: 0,
    persistence,
    overlay,
    image: 'vm',
    accel: 'tcg',
    secretHash: 'salt:hash',
  });
};
const allocated = async (f: string) => (await stat(f)).blocks * 512;

describe('the disk a qemu host reports', () => {
  it('counts each VM overlay once per desktop, and kept personal disks in the total only', async () => {
    const pooled = vmPaths(dir, 'd-pooled').pooledOverlay;
    const inUse = personalOverlay(dir, 'user-a');
    const kept = personalOverlay(dir, 'user-b');
    await record('d-pooled', pooled, 'pooled');
    await record('d-personal', inUse, 'personal');
    await writeFile(pooled, Buffer.alloc(300_000, 1));
    await writeFile(inUse, Buffer.alloc(200_000, 2));
    await writeFile(kept, Buffer.alloc(100_000, 3));
    const u = await diskUsageOf(dir);
    expect(new Map(u.desktops.map((d) => [d.desktopId, d.bytes]))).toEqual(
      new Map([
        ['d-pooled', await allocated(pooled)],
        ['d-personal', await allocated(inUse)],
      ]),
    );
    expect(u.bytes).toBe((await allocated(pooled)) + (await allocated(inUse)) + (await allocated(kept)));
  });

  it('counts sparse files by what they take, not by their size, and a missing overlay as 0', async () => {
    const pooled = vmPaths(dir, 'd-sparse').pooledOverlay;
    await record('d-sparse', pooled, 'pooled');
    await record('d-gone', vmPaths(dir, 'd-gone').pooledOverlay, 'pooled');
    await writeFile(pooled, Buffer.alloc(0));
    await truncate(pooled, 2 ** 30); // 1 GiB of holes
    const u = await diskUsageOf(dir);
    expect(u.desktops.find((d) => d.desktopId === 'd-sparse')!.bytes).toBeLessThan(1 << 20);
    expect(u.desktops.find((d) => d.desktopId === 'd-gone')!.bytes).toBe(0);
  });
});
