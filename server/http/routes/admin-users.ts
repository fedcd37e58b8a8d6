// Admin API for users and groups, mounted at /api/v1/admin. The app puts requireRole('admin') in
// front; the router guards itself too, so mounting it elsewhere by mistake cannot open it up.
// The MFA policy and MFA reset live beside it in admin-mfa.ts; the work is in server/auth/users.ts.
import express, { type Router } from 'express';
import { CreateGroupBody, CreateUserBody, PatchUserBody } from '../../../contract/api/auth-admin.ts';
import { Id } from '../../../contract/ids.ts';
import type { AuthDeps } from '../../auth/deps.ts';
import { adminUserViews, createUserAdmin, groupView, userOr404 } from '../../auth/users.ts';
import { actorOf } from '../actor.ts';
import { requireRole } from '../auth-middleware.ts';
import { parse } from '../validate.ts';

export function createAdminUsersRouter(deps: AuthDeps): Router {
  const { store } = deps;
  const users = createUserAdmin(deps);
  const router = express.Router();
  router.use(requireRole('admin'));
  const view = async (u: Parameters<typeof adminUserViews>[1][number]) => (await adminUserViews(store, [u]))[0];

  router.get('/users', async (_req, res) => {
    res.json(await adminUserViews(store, await store.listUsers()));
  });

  router.post('/users', async (req, res) => {
    const user = await users.createUser(actorOf(req, res), parse(CreateUserBody, req.body));
    res.status(201).json(await view(user));
  });

  router.get('/users/:id', async (req, res) => {
    res.json(await view(await userOr404(store, parse(Id, req.params.id, 'user id'))));
  });

  router.patch('/users/:id', async (req, res) => {
    const body = parse(PatchUserBody, req.body);
    res.json(await view(await users.updateUser(actorOf(req, res), parse(Id, req.params.id, 'user id'), body)));
  });

  router.delete('/users/:id', async (req, res) => {
    await users.deleteUser(actorOf(req, res), parse(Id, req.params.id, 'user id'));
    res.status(204).end();
  });

  router.get('/groups', async (_req, res) => {
    res.json((await store.listGroups()).map(groupView));
  });

  router.post('/groups', async (req, res) => {
    res.status(201).json(groupView(await users.createGroup(actorOf(req, res), parse(CreateGroupBody, req.body))));
  });

  router.delete('/groups/:id', async (req, res) => {
    await users.deleteGroup(actorOf(req, res), parse(Id, req.params.id, 'group id'));
    res.status(204).end();
  });

  return router;
}
