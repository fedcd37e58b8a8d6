// "Signed-in browsers" and "API tokens" of the Account page, mounted at /api/v1 by the auth router:
// list and revoke one's own web sessions (by their public id, never the cookie's hash) and API
// tokens (never the token itself). Every revocation is audited.
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { forbidden, notFound } from '../../errors.ts';
import { parse } from '../validate.ts';
import type { AuthDeps } from '../../auth/deps.ts';
import { clientAddress, principalOf, requireUser } from '../auth-middleware.ts';
import { clearSessionCookie } from '../cookies.ts';

const idParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an id');

export function createAccountRouter(deps: AuthDeps): Router {
  const router = express.Router();
  const audit = (req: Request, res: Response, action: string, target: string | null, details: Record<string, unknown>) =>
    deps.audit.record({ actor: principalOf(res).user.username, action, target, result: 'ok', ip: clientAddress(req), details });

  router.get('/me/sessions', requireUser, async (_req, res) => {
    const p = principalOf(res);
    const now = deps.clock.now();
    const sessions = (await deps.store.listWebSessionsOfUser(p.user.id)).filter((s) => s.expiresAt > now);
    res.json(
      sessions.map((s) => ({
        id: s.id,
        current: s.id === p.session?.id,
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        expiresAt: s.expiresAt,
        ip: s.ip ?? null,
        userAgent: s.userAgent ?? null,
      })),
    );
  });

  router.delete('/me/sessions/:id', requireUser, async (req, res) => {
    const p = principalOf(res);
    const id = parse(idParam, req.params.id, 'session id');
    if (!(await deps.store.deleteWebSessionById(p.user.id, id))) throw notFound('signed-in browser');
    const current = id === p.session?.id;
    if (current) clearSessionCookie(deps, res);
    await audit(req, res, 'session.revoke', id, { current });
    res.status(204).end();
  });

  // "Sign out everywhere else": every other session ends, and every remembered browser (this one
  // too: its cookie is scoped to the sign-in path, so it cannot be told apart here) must pass the
  // one-time code again at its next sign-in.
  router.post('/me/sessions/revoke-others', requireUser, async (req, res) => {
    const p = principalOf(res);
    if (!p.session) throw forbidden('Sign out other browsers from a signed-in browser session.', 'session_required');
    const revoked = await deps.store.deleteWebSessionsOfUser(p.user.id, p.session.hash);
    const forgotten = await deps.store.deleteRememberedBrowsersOfUser(p.user.id);
    await audit(req, res, 'session.revoke', p.user.id, { others: true, revoked, rememberedBrowsersForgotten: forgotten });
    res.json({ revoked, rememberedBrowsersForgotten: forgotten });
  });

  router.get('/me/tokens', requireUser, async (_req, res) => {
    const { user } = principalOf(res);
    const now = deps.clock.now();
    const tokens = await deps.store.listApiTokensOfUser(user.id);
    res.json(tokens.map((t) => ({ id: t.id, name: t.name, createdAt: t.createdAt, expiresAt: t.expiresAt, lastUsedAt: t.lastUsedAt, expired: t.expiresAt !== null && t.expiresAt <= now })));
  });

  router.delete('/me/tokens/:id', requireUser, async (req, res) => {
    const { user } = principalOf(res);
    const id = parse(idParam, req.params.id, 'token id');
    const token = (await deps.store.listApiTokensOfUser(user.id)).find((t) => t.id === id);
    if (!token || !(await deps.store.deleteApiToken(user.id, id))) throw notFound('API token');
    await audit(req, res, 'token.revoke', id, { name: token.name });
    res.status(204).end();
  });

  return router;
}
