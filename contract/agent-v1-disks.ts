// deskport.agent.v1, personal VM disks: the disk.snapshot request (list, take, restore, delete the
// internal snapshots of one person's qcow2 disk) and its answer. docs/agent-protocol.md.
import { z } from 'zod';

// The same shape as agent-v1.ts's ids (kept here: that module imports this one).
const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** A snapshot's name: what a person types, checked the same at the HTTP edge (contract/api/snapshots.ts).
 *  It holds a letter: qemu-img takes an all-digit name for a snapshot's numeric id first, so
 *  `snapshot -a 1` could restore another snapshot than the one named "1". */
export const SNAPSHOT_NAME = /^(?=[^A-Za-z]*[A-Za-z])[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
/** Snapshots one disk may hold: each keeps the blocks it covers, so the disk grows with every one. */
export const MAX_SNAPSHOTS = 10;
export const SNAPSHOT_OPS = ['list', 'create', 'restore', 'delete'] as const;
export type SnapshotOp = (typeof SNAPSHOT_OPS)[number];

export const diskSnapshotSchema = z
  .object({
    id,
    type: z.literal('disk.snapshot'),
    driver: z.enum(['process', 'docker', 'qemu', 'static']),
    /** The disk's key: the homeKey its personal desktops are created with. */
    homeKey: id,
    op: z.enum(SNAPSHOT_OPS),
    /** Required for every op but list. */
    name: z.string().regex(SNAPSHOT_NAME).optional(),
  })
  .strict()
  .refine((m) => m.op === 'list' || m.name !== undefined, { message: 'name is required for this op', path: ['name'] });

export const snapshotInfoSchema = z
  .object({
    name: z.string().max(128),
    /** When it was taken (epoch ms). */
    createdAt: z.number().int().nonnegative(),
  })
  .strict();

/** The answer to every op: the disk's snapshots after it, oldest first. */
export const diskSnapshotResultSchema = z
  .object({
    /** False when this host holds no such disk (nothing to snapshot yet). */
    exists: z.boolean(),
    /** A VM runs on the disk now (snapshots are taken live; restore is refused). */
    running: z.boolean(),
    /** Allocated bytes of the disk file, snapshots included. */
    bytes: z.number().int().nonnegative(),
    snapshots: z.array(snapshotInfoSchema).max(100),
  })
  .strict();

export type DiskSnapshot = z.infer<typeof diskSnapshotSchema>;
export type DiskSnapshotResult = z.infer<typeof diskSnapshotResultSchema>;
