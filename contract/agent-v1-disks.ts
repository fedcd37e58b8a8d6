// deskport.agent.v1, personal VM disks: the disk.snapshot request (list, take, restore, delete the
// internal snapshots of one person's qcow2 disk) and its answer. docs/agent-protocol.md.
import { z } from 'zod';
import { MAX_SNAPSHOTS, SNAPSHOT_NAME } from './snapshot-rules.ts';

export { MAX_SNAPSHOTS, SNAPSHOT_NAME };

// The same shape as agent-v1.ts's ids (kept here: that module imports this one).
const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

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
