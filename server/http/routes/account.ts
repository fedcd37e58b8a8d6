// "Signed-in browsers" and "API tokens" of the Account page, mounted at /api/v1 by the auth router:
// list and revoke one's own web sessions (by their public id, never the cookie's hash) and API
// tokens (never the token itself). The revocations (audited) are in server/auth/account.ts.
import express, { type Router } from 'express';
import { Id } from '../../../contract/ids.ts';
import { revokeApiToken, revokeOtherWebSessions, revokeWebSession } from '../../auth/account.ts';
import type { AuthDeps } from '../../auth/deps.ts';
import { actorOf } from '../actor.ts';
import { principalOf, requireUser } from '../auth-middleware.ts';
import { clearSessionCookie } from '../cookies.ts';
import { parse } from '../validate.ts';

export function createAccountRouter(deps: AuthDeps): Router {
  const router = express.Router();

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
    const id = parse(Id, req.params.id, 'session id');
    if (await revokeWebSession(deps, actorOf(req, res), id, p.session?.id)) clearSessionCookie(deps, res);
    res.status(204).end();
  });

  router.post('/me/sessions/revoke-others', requireUser, async (req, res) => {
    res.json(await revokeOtherWebSessions(deps, actorOf(req, res), principalOf(res).session?.hash));
  });

  router.get('/me/tokens', requireUser, async (_req, res) => {
    const { user } = principalOf(res);
    const now = deps.clock.now();
    const tokens = await deps.store.listApiTokensOfUser(user.id);
    res.json(
      tokens.map((t) => ({
        id: t.id,
        name: t.name,
        createdAt: t.createdAt,
        expiresAt: t.expiresAt,
        lastUsedAt: t.lastUsedAt,
        expired: t.expiresAt !== null && t.expiresAt <= now,
      })),
    );
  });

  router.delete('/me/tokens/:id', requireUser, async (req, res) => {
    await revokeApiToken(deps, actorOf(req, res), parse(Id, req.params.id, 'token id'));
    res.status(204).end();
  });

  return router;
}
