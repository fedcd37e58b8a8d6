// Snapshots of the signed-in person's disk in a personal VM pool: contract/api/snapshots.ts.
import { Router } from 'express';
import { SnapshotCreate, SnapshotName } from '../../../contract/api/snapshots.ts';
import { Id } from '../../../contract/ids.ts';
import type { Snapshots } from '../../broker/snapshots.ts';
import { clientAddress, principalOf } from '../auth-middleware.ts';
import { parse } from '../validate.ts';

export function createSnapshotRouter(snapshots: Snapshots): Router {
  const r = Router();
  const poolId = (raw: unknown) => parse(Id, raw, 'pool id');
  const name = (raw: unknown) => parse(SnapshotName, raw, 'snapshot name');

  r.get('/pools/:id/snapshots', async (req, res) => {
    res.json(await snapshots.list(principalOf(res).user, poolId(req.params.id)));
  });
  r.post('/pools/:id/snapshots', async (req, res) => {
    const body = parse(SnapshotCreate, req.body);
    res.status(201).json(await snapshots.change(principalOf(res).user, poolId(req.params.id), 'create', body.name, clientAddress(req)));
  });
  r.post('/pools/:id/snapshots/:name/restore', async (req, res) => {
    res.json(await snapshots.change(principalOf(res).user, poolId(req.params.id), 'restore', name(req.params.name), clientAddress(req)));
  });
  r.delete('/pools/:id/snapshots/:name', async (req, res) => {
    res.json(await snapshots.change(principalOf(res).user, poolId(req.params.id), 'delete', name(req.params.name), clientAddress(req)));
  });
  return r;
}
