// Snapshots of a person's own VM disk in a personal qemu pool: list, take (also while the desktop
// runs), restore (once it has ended) and delete. The disk lives on the host where their desktop ran
// (docs/qemu.md); the gateway asks that host's agent (contract/agent-v1-disks.ts).
import { z } from 'zod/mini';
import { MAX_SNAPSHOTS, SNAPSHOT_NAME } from '../snapshot-rules.ts';
import type { RouteDoc } from './route.ts';

export { MAX_SNAPSHOTS, SNAPSHOT_NAME };

export const SnapshotName = z
  .string()
  .check(
    z.regex(
      SNAPSHOT_NAME,
      'use 1 to 64 letters, digits, spaces, dots, dashes or underscores, with at least one letter, starting with a letter or digit',
    ),
  );
export const SnapshotCreate = z.strictObject({ name: SnapshotName });
export type SnapshotCreate = z.infer<typeof SnapshotCreate>;

export const Snapshot = z.object({ name: z.string(), createdAt: z.string() });
export type Snapshot = z.infer<typeof Snapshot>;
export const SnapshotList = z.object({
  /** False until the person's first desktop in the pool made their disk. */
  exists: z.boolean(),
  /** Their desktop runs on the disk now: snapshots are taken live, a restore waits until it ends. */
  running: z.boolean(),
  /** The host that keeps the disk; null while there is none. */
  hostName: z.nullable(z.string()),
  /** Bytes the disk takes on its host, snapshots included. */
  bytes: z.number(),
  /** Oldest first. */
  snapshots: z.array(Snapshot),
  /** The most one disk may hold. */
  max: z.number(),
});
export type SnapshotList = z.infer<typeof SnapshotList>;

const errors = {
  404: ['not_found', 'snapshot_unknown'],
  409: ['not_snapshottable', 'no_disk', 'snapshot_exists', 'snapshot_limit', 'session_live'],
  503: ['home_host_unavailable', 'snapshot_failed'],
} as const;

export const ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/pools/:id/snapshots',
    summary: "The snapshots of the signed-in person's disk in a personal VM pool",
    audience: 'user',
    ok: { status: 200, schema: SnapshotList },
    errors,
  },
  {
    method: 'post',
    path: '/pools/:id/snapshots',
    summary: 'Take a snapshot of the disk now (also while the desktop runs: a crash-consistent copy of the disk, not of memory)',
    audience: 'user',
    body: SnapshotCreate,
    ok: { status: 201, schema: SnapshotList },
    errors,
  },
  {
    method: 'post',
    path: '/pools/:id/snapshots/:name/restore',
    summary: 'Rewind the disk to a snapshot (409 session_live while a desktop of the pool runs; the snapshot is kept)',
    audience: 'user',
    ok: { status: 200, schema: SnapshotList },
    errors,
  },
  {
    method: 'delete',
    path: '/pools/:id/snapshots/:name',
    summary: 'Delete a snapshot (the disk stays as it is)',
    audience: 'user',
    ok: { status: 200, schema: SnapshotList },
    errors,
  },
];
