// Snapshots of the signed-in person's disk in a personal VM pool (contract/api/snapshots.ts).
import { SnapshotList, type SnapshotList as SnapshotListT } from '../../../contract/api/snapshots.ts';
import { api } from './client.ts';
import { decodeWith } from './decode.ts';

export type Snapshots = SnapshotListT;
const base = (poolId: string) => `/api/v1/pools/${encodeURIComponent(poolId)}/snapshots`;
const decode = (x: unknown): Snapshots => decodeWith(SnapshotList, x);

export function listSnapshots(poolId: string, signal?: AbortSignal): Promise<Snapshots> {
  return api(base(poolId), { decode, signal });
}
export function takeSnapshot(poolId: string, name: string): Promise<Snapshots> {
  return api(base(poolId), { method: 'POST', body: { name }, decode });
}
export function restoreSnapshot(poolId: string, name: string): Promise<Snapshots> {
  return api(`${base(poolId)}/${encodeURIComponent(name)}/restore`, { method: 'POST', decode });
}
export function deleteSnapshot(poolId: string, name: string): Promise<Snapshots> {
  return api(`${base(poolId)}/${encodeURIComponent(name)}`, { method: 'DELETE', decode });
}
