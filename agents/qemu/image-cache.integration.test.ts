// The VM image cache and `image prune`, with real qemu-img disks in a temp root: an outdated build is
// removed only when no VM disk sits on it (a kept personal disk counts) and no process has one of its
// files open; the current recipe's build always stays; unfinished builds are left alone.
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listVmImages, pruneVmImages } from './image-cache.ts';
import { recipeHash } from './images.ts';

let root: string;
let stateDir: string;
let holder: ReturnType<typeof spawn> | undefined;

async function build(name: string, manifest = true): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'disk.qcow2'), '64M']);
  if (manifest) await writeFile(join(dir, 'image.json'), '{"kind":"vm-test","recipeHash":"x","disk":"disk.qcow2"}');
  await writeFile(`${dir}.lock`, ''); // build.sh's flock file beside each build
  return dir;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dp-vm-cache-'));
  stateDir = await mkdtemp(join(tmpdir(), 'dp-vm-state-'));
});
afterAll(async () => {
  if (holder && holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
  await rm(stateDir, { recursive: true, force: true });
});

describe('the VM image cache', () => {
  it('prunes only outdated builds that no disk sits on and no process holds open', async () => {
    const current = await build(`vm-test-${(await recipeHash('vm-test')).slice(0, 16)}`);
    const unused = await build('vm-test-aaaaaaaaaaaaaaaa');
    const underDisk = await build('vm-test-bbbbbbbbbbbbbbbb');
    const heldOpen = await build('vm-test-cccccccccccccccc');
    const unfinished = await build('vm-test-dddddddddddddddd', false);
    // A person's kept disk on an old build.
    await mkdir(join(stateDir, 'qemu-disks'), { recursive: true });
    execFileSync('qemu-img', [
      'create',
      '-q',
      '-f',
      'qcow2',
      '-F',
      'qcow2',
      '-b',
      join(underDisk, 'disk.qcow2'),
      join(stateDir, 'qemu-disks', 'k.qcow2'),
    ]);
    // A process (as a QEMU would) with an old build's file open.
    const fh = await open(join(heldOpen, 'disk.qcow2'), 'r');
    holder = spawn('sleep', ['60'], { stdio: [fh.fd, 'ignore', 'ignore'] });
    await fh.close();

    const listed = await listVmImages({ root, stateDirs: [stateDir] });
    expect(listed.map((i) => [i.dir, i.current, i.overlays.length, i.openBy.length > 0])).toEqual(
      [
        [unused, false, 0, false],
        [underDisk, false, 1, false],
        [heldOpen, false, 0, true],
        [current, true, 0, false],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(listed.every((i) => i.bytes > 0)).toBe(true);

    await expect(pruneVmImages({ root, stateDirs: [join(stateDir, 'typo')] })).rejects.toThrow(/holds no qemu agent state/);
    const dry = await pruneVmImages({ root, stateDirs: [stateDir], dryRun: true });
    expect(dry.removed.map((i) => i.dir)).toEqual([unused]);
    expect((await stat(unused)).isDirectory()).toBe(true);

    const done = await pruneVmImages({ root, stateDirs: [stateDir] });
    expect(done.removed.map((i) => i.dir)).toEqual([unused]);
    await expect(stat(unused)).rejects.toThrow(/ENOENT/);
    await expect(stat(`${unused}.lock`)).rejects.toThrow(/ENOENT/);
    for (const kept of [current, underDisk, heldOpen, unfinished]) expect((await stat(kept)).isDirectory()).toBe(true);

    // Once the disk and the process are gone, so are their builds; the current one stays.
    await rm(join(stateDir, 'qemu-disks', 'k.qcow2'));
    holder.kill('SIGKILL');
    await new Promise((r) => holder!.once('exit', r));
    const later = await pruneVmImages({ root, stateDirs: [stateDir] });
    expect(later.removed.map((i) => i.dir).sort()).toEqual([underDisk, heldOpen].sort());
    expect(later.kept.map((i) => i.dir)).toEqual([current]);
  });
});
