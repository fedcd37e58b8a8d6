// Snapshots of a person's kept VM disk, against real QEMU (TCG here), qemu-img and the vm-test image:
// taken live through QMP while the VM runs, refused restore while it runs, and on a free disk a
// restore really rewinds its content (checked block by block with qemu-io). Cleans up every VM.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_SNAPSHOTS } from '../../contract/agent-v1-disks.ts';
import { createQemuDriver, type QemuDriver } from './driver.ts';
import { prepareTestImage, removeAllVms, tempStateDir } from './testing.ts';
import { personalOverlay } from './vm.ts';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 300_000 });

const stateDir = await tempStateDir();
let driver: QemuDriver;
beforeAll(async () => {
  await prepareTestImage();
  driver = createQemuDriver({ stateDir, stopGraceMs: 30_000 });
});
afterAll(async () => {
  await driver?.close();
  await removeAllVms(stateDir);
});

const homeKey = () => `u-${randomBytes(4).toString('hex')}_p-vm`;
const personal = (key: string) => ({
  desktopId: `qs-${randomBytes(4).toString('hex')}`,
  secret: randomBytes(9).toString('base64url'),
  persistence: 'personal' as const,
  homeKey: key,
});
/** qemu-io on the disk (free of any VM): write a pattern, or check one (true when every byte matches). */
const writeBlock = (file: string, pattern: number) =>
  execFileSync('qemu-io', ['-f', 'qcow2', '-c', `write -P 0x${pattern.toString(16)} 0 64k`, file], { stdio: 'pipe' });
const holds = (file: string, pattern: number) =>
  spawnSync('qemu-io', ['-f', 'qcow2', '-c', `read -P 0x${pattern.toString(16)} 0 64k`, file], { stdio: 'pipe' }).status === 0;

describe("snapshots of a person's VM disk", () => {
  it('are taken and deleted live while the VM runs; a restore is refused until it ends', async () => {
    const key = homeKey();
    const spec = personal(key);
    await driver.create(spec);
    const taken = await driver.snapshots!(key, 'create', 'while running');
    expect(taken).toMatchObject({ exists: true, running: true, snapshots: [{ name: 'while running' }] });
    expect(Math.abs(taken.snapshots[0]!.createdAt - Date.now())).toBeLessThan(60_000);
    await expect(driver.snapshots!(key, 'restore', 'while running')).rejects.toMatchObject({ code: 'disk_in_use' });
    await expect(driver.snapshots!(key, 'create', 'while running')).rejects.toMatchObject({ code: 'snapshot_exists' });
    await driver.snapshots!(key, 'create', 'second');
    expect((await driver.snapshots!(key, 'delete', 'second')).snapshots.map((s) => s.name)).toEqual(['while running']);
    await driver.destroy(spec.desktopId); // the guest powers off; the disk stays, with its snapshot
    expect(await driver.snapshots!(key, 'list')).toMatchObject({ exists: true, running: false, snapshots: [{ name: 'while running' }] });
    // The next desktop on the disk boots as before.
    const next = personal(key);
    await driver.create(next);
    await driver.destroy(next.desktopId);
  });

  it('a restore on a free disk rewinds its content to the snapshot; delete, unknown names and the limit', async () => {
    const key = homeKey();
    const spec = personal(key);
    await driver.create(spec);
    await driver.destroy(spec.desktopId);
    const disk = personalOverlay(stateDir, key);
    writeBlock(disk, 0xaa);
    await driver.snapshots!(key, 'create', 'before');
    writeBlock(disk, 0xbb);
    expect([holds(disk, 0xbb), holds(disk, 0xaa)]).toEqual([true, false]);
    const restored = await driver.snapshots!(key, 'restore', 'before');
    expect(restored.snapshots.map((s) => s.name)).toEqual(['before']); // a restore keeps the snapshot
    expect([holds(disk, 0xaa), holds(disk, 0xbb)]).toEqual([true, false]);
    await expect(driver.snapshots!(key, 'restore', 'nope')).rejects.toMatchObject({ code: 'snapshot_unknown' });
    await expect(driver.snapshots!(key, 'delete', 'nope')).rejects.toMatchObject({ code: 'snapshot_unknown' });
    for (let i = 1; i < MAX_SNAPSHOTS; i++) await driver.snapshots!(key, 'create', `s${i}`);
    await expect(driver.snapshots!(key, 'create', 'one too many')).rejects.toMatchObject({ code: 'snapshot_limit' });
    const left = await driver.snapshots!(key, 'delete', 'before');
    expect(left.snapshots).toHaveLength(MAX_SNAPSHOTS - 1);
    expect(left.snapshots.map((s) => s.name)).not.toContain('before');
    expect(holds(disk, 0xaa)).toBe(true); // deleting a snapshot leaves the disk as it is
  });

  it('a person without a disk here: an empty list, and no snapshot to take', async () => {
    const key = homeKey();
    expect(await driver.snapshots!(key, 'list')).toEqual({ exists: false, running: false, bytes: 0, snapshots: [] });
    await expect(driver.snapshots!(key, 'create', 'x')).rejects.toMatchObject({ code: 'no_disk' });
  });
});
