// Existing machines over HTTP (contract/api/machines.ts): the admin registry under /admin/machines
// and, for everyone signed in, the machines they may use and their own saved credentials. Thin:
// validation at the edge, decisions in server/broker/machines.ts. Secrets are write-only.
import { Router } from 'express';
import { CreateMachineBody, MyCredentialsBody, UpdateMachineBody } from '../../../contract/api/machines.ts';
import { Id } from '../../../contract/ids.ts';
import type { Machines } from '../../broker/machines.ts';
import { clientAddress, principalOf, requireRole } from '../auth-middleware.ts';
import { parse } from '../validate.ts';

const machineId = (raw: unknown) => parse(Id, raw, 'machine id');

/** Mounted at /api/v1/admin (admins only). */
export function createMachineAdminRouter(machines: Machines): Router {
  const r = Router();
  r.use(requireRole('admin'));
  const by = (req: Parameters<typeof clientAddress>[0], res: Parameters<typeof principalOf>[0]) => ({
    username: principalOf(res).user.username,
    ip: clientAddress(req),
  });

  r.get('/machines', async (_req, res) => {
    res.json(await machines.listAdmin());
  });
  r.post('/machines', async (req, res) => {
    const m = await machines.create(by(req, res), parse(CreateMachineBody, req.body));
    res.status(201).json(await machines.view(m));
  });
  r.patch('/machines/:id', async (req, res) => {
    const m = await machines.update(by(req, res), machineId(req.params.id), () => parse(UpdateMachineBody, req.body));
    res.json(await machines.view(m));
  });
  r.delete('/machines/:id', async (req, res) => {
    await machines.remove(by(req, res), machineId(req.params.id));
    res.status(204).end();
  });
  return r;
}

/** Mounted at /api/v1 for everyone signed in. */
export function createMachineUserRouter(machines: Machines): Router {
  const r = Router();
  r.get('/machines', async (_req, res) => {
    const { user, session } = principalOf(res);
    res.json(await machines.listFor(user, session?.id));
  });
  r.put('/machines/:id/credentials', async (req, res) => {
    const id = machineId(req.params.id);
    await machines.saveCredentials(principalOf(res).user, clientAddress(req), id, parse(MyCredentialsBody, req.body));
    res.status(204).end();
  });
  r.delete('/machines/:id/credentials', async (req, res) => {
    await machines.forgetCredentials(principalOf(res).user, clientAddress(req), machineId(req.params.id));
    res.status(204).end();
  });
  return r;
}
