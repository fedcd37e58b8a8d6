// Snapshots of a person's kept VM disk (a qcow2 overlay in <state>/qemu-disks/): qcow2 internal
// snapshots, taken through QMP while a VM runs on the disk (QEMU holds its write lock) and with
// qemu-img otherwise. A restore needs the disk free: it rewinds the whole disk to the snapshot.
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { MAX_SNAPSHOTS, type DiskSnapshotResult, type SnapshotOp } from '../../contract/agent-v1-disks.ts';
import { stillRunning } from '../process/procfs.ts';
import { withQmp } from './qmp.ts';
import { allocated, personalOverlay, readAllStates, vmPaths, type VmState } from './vm.ts';

const run = promisify(execFile);
/** QEMU's name for the one disk of our VMs (-drive …,if=virtio without an id). */
const DRIVE = 'virtio0';

interface RawSnapshot {
  name?: unknown;
  'date-sec'?: unknown;
  'date-nsec'?: unknown;
}
const coded = (code: string, message: string): Error => Object.assign(new Error(message), { code });

function toList(raw: unknown): DiskSnapshotResult['snapshots'] {
  const items = Array.isArray(raw) ? (raw as RawSnapshot[]) : [];
  return items
    .filter((s) => typeof s.name === 'string')
    .map((s) => ({
      name: String(s.name).slice(0, 128),
      createdAt: Math.max(0, Math.round(Number(s['date-sec'] ?? 0) * 1000 + Number(s['date-nsec'] ?? 0) / 1e6)),
    }))
    .slice(0, 100);
}

export interface SnapshotDeps {
  stateDir: string;
  qemuImgBinary: string;
}

/** The running VM on this person's disk, if any (its record names the overlay). */
async function holderOf(d: SnapshotDeps, overlay: string): Promise<VmState | null> {
  for (const s of await readAllStates(d.stateDir))
    if (s.overlay === overlay && (await stillRunning({ pid: s.pid, start: s.pidStart }))) return s;
  return null;
}

async function qemuImg(d: SnapshotDeps, args: string[]): Promise<string> {
  try {
    return (await run(d.qemuImgBinary, args, { maxBuffer: 4 << 20, timeout: 120_000 })).stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`qemu-img ${args[0]} failed: ${(e.stderr ?? e.message).trim().replace(/\s+/g, ' ').slice(0, 500)}`);
  }
}

/** One op on the disk of `homeKey`; the caller serializes ops and creates of that person's desktops. */
export async function snapshotOp(d: SnapshotDeps, homeKey: string, op: SnapshotOp, name?: string): Promise<DiskSnapshotResult> {
  const overlay = personalOverlay(d.stateDir, homeKey);
  if (!(await stat(overlay).catch(() => null))) {
    if (op === 'list') return { exists: false, running: false, bytes: 0, snapshots: [] };
    throw coded('no_disk', 'there is no disk for this person here yet: launch a desktop in the pool once first');
  }
  const holder = await holderOf(d, overlay);
  const qmp = holder ? vmPaths(d.stateDir, holder.desktopId).qmp : null;
  const list = async (): Promise<DiskSnapshotResult['snapshots']> => {
    if (qmp) {
      const blocks = (await withQmp(qmp, (q) => q.execute('query-block'))) as {
        device?: string;
        inserted?: { image?: { snapshots?: unknown } };
      }[];
      return toList(blocks.find((b) => b.device === DRIVE)?.inserted?.image?.snapshots);
    }
    const info = JSON.parse(await qemuImg(d, ['info', '--output=json', '-U', overlay])) as { snapshots?: unknown };
    return toList(info.snapshots);
  };
  const before = await list();
  const known = name !== undefined && before.some((s) => s.name === name);
  if (op !== 'list' && op !== 'create' && !known) throw coded('snapshot_unknown', `no snapshot named “${name}” on this disk`);
  if (op === 'create') {
    if (known) throw coded('snapshot_exists', `a snapshot named “${name}” exists already`);
    if (before.length >= MAX_SNAPSHOTS)
      throw coded('snapshot_limit', `this disk holds ${MAX_SNAPSHOTS} snapshots, the most it may: delete one first`);
    if (qmp) await withQmp(qmp, (q) => q.execute('blockdev-snapshot-internal-sync', { device: DRIVE, name }), 60_000);
    else await qemuImg(d, ['snapshot', '-c', name!, overlay]);
  } else if (op === 'restore') {
    if (holder) throw coded('disk_in_use', `a desktop (${holder.desktopId}) runs on this disk: end it before restoring a snapshot`);
    await qemuImg(d, ['snapshot', '-a', name!, overlay]);
  } else if (op === 'delete') {
    if (qmp) await withQmp(qmp, (q) => q.execute('blockdev-snapshot-delete-internal-sync', { device: DRIVE, name }), 60_000);
    else await qemuImg(d, ['snapshot', '-d', name!, overlay]);
  }
  return { exists: true, running: holder !== null, bytes: await allocated(overlay), snapshots: op === 'list' ? before : await list() };
}
