// The one place that decides whether a person lost access, and takes it away at once: every change
// that can (disabling or deleting a user, their groups or roles, a pool's groups, a group deleted,
// a directory sync at sign-in) calls userChanged/poolChanged here. Design: docs/account-security.md
// "Losing access".
import { DisplayClose } from '../../contract/display.ts';
import type { AccessCause, AccessChanges } from '../auth/deps.ts';
import type { Audit } from '../audit.ts';
import type { Logger } from '../log.ts';
import { ALL_ROWS, type Session, type Store, type User } from '../store/types.ts';
import type { Broker } from './broker.ts';
import { entitled } from './entitlement.ts';
import type { Shadows } from './shadows.ts';
import type { Viewers } from './viewers.ts';

/** Sessions that still hold (or may again hold) a desktop; `ending` ones are on their way out. */
const HOLDING: Session['state'][] = ['starting', 'ready', 'lost'];

export interface AccessGuardDeps {
  store: Store;
  audit: Audit;
  log: Logger;
  viewers: Viewers;
  /** Ends a session now, with the line its owner sees (Broker.end). */
  endSession: Broker['end'];
  shadows?: Shadows;
}

const isStaff = (u: User) => u.roles.includes('admin') || u.roles.includes('helpdesk');

export function createAccessGuard(deps: AccessGuardDeps): AccessChanges {
  const { store, viewers } = deps;

  /** Disabled or deleted: nothing of theirs stays open or usable. No grace: they cannot come back to it. */
  async function shutOut(userId: string, user: User | null, by: AccessCause): Promise<void> {
    const why = user ? 'your account was disabled' : 'your account was deleted';
    const displaysClosed = viewers.close({ userId }, DisplayClose.AccountDisabled, why);
    const shadowsEnded = (await deps.shadows?.endAllBy(userId, `the helpdesk account was ${user ? 'disabled' : 'deleted'}`)) ?? 0;
    const sessions = await store.listSessions({ userId, state: HOLDING, limit: ALL_ROWS });
    for (const s of sessions) {
      await deps.endSession(
        s.id,
        { username: by.actor, ip: by.ip },
        'account_disabled',
        `Your account was ${user ? 'disabled' : 'deleted'} by an administrator.`,
      );
    }
    // A deleted user's sign-ins and tokens went with the row (ON DELETE CASCADE).
    let webSessionsRevoked = 0;
    let tokensRevoked = 0;
    if (user) {
      webSessionsRevoked = await store.deleteWebSessionsOfUser(userId);
      for (const t of await store.listApiTokensOfUser(userId)) if (await store.deleteApiToken(userId, t.id)) tokensRevoked++;
    }
    if (displaysClosed + shadowsEnded + sessions.length + webSessionsRevoked + tokensRevoked === 0) return; // nothing was left open
    await deps.audit.record({
      actor: by.actor,
      action: 'user.access_revoked',
      target: userId,
      result: 'ok',
      ip: by.ip,
      details: {
        reason: user ? 'disabled' : 'deleted',
        cause: by.cause,
        ...(user ? { username: user.username } : {}),
        displaysClosed,
        shadowsEnded,
        sessionsEnded: sessions.map((s) => s.id),
        webSessionsRevoked,
        tokensRevoked,
      },
    });
  }

  /** Still enabled: end what their groups no longer entitle them to, and shadows their role no longer allows. */
  async function trim(user: User, by: AccessCause): Promise<void> {
    const ended: { sessionId: string; poolId: string | null; machineId?: string }[] = [];
    for (const s of await store.listSessions({ userId: user.id, state: HOLDING, limit: ALL_ROWS })) {
      // A machine session is entitled by the machine's groups (server/broker/machines.ts), the same rule as a pool's.
      const entitlement = s.machineId ? await store.getMachine(s.machineId) : s.poolId ? await store.getPool(s.poolId) : null;
      if (entitlement && entitled(user, entitlement)) continue;
      // Their own display gets the reason first; the session end then closes anyone else's (shadows).
      viewers.close({ userId: user.id, sessionId: s.id }, DisplayClose.AccessRevoked, 'you no longer have access to this desktop');
      // The session ends now rather than after the pool's grace: a person without access to the pool
      // cannot get a ticket back into it. Its pool's persistence still applies (a personal home stays).
      await deps.endSession(
        s.id,
        { username: by.actor, ip: by.ip },
        'access_revoked',
        'You no longer have access to this desktop: your groups changed.',
      );
      ended.push({ sessionId: s.id, poolId: s.poolId, ...(s.machineId ? { machineId: s.machineId } : {}) });
    }
    let shadowsEnded = 0;
    if (!isStaff(user)) {
      viewers.close({ userId: user.id, shadowsOnly: true }, DisplayClose.AccessRevoked, 'you no longer have the helpdesk role');
      shadowsEnded = (await deps.shadows?.endAllBy(user.id, 'the helpdesk role was taken away')) ?? 0;
    }
    if (ended.length === 0 && shadowsEnded === 0) return;
    await deps.audit.record({
      actor: by.actor,
      action: 'user.access_revoked',
      target: user.id,
      result: 'ok',
      ip: by.ip,
      details: {
        reason: ended.length ? 'not_entitled' : 'not_staff',
        cause: by.cause,
        username: user.username,
        sessionsEnded: ended,
        shadowsEnded,
      },
    });
  }

  const guard: AccessChanges = {
    async userChanged(userId, by) {
      const user = await store.getUser(userId);
      if (!user || user.disabled) await shutOut(userId, user, by);
      else await trim(user, by);
    },
    async poolChanged(poolId, by) {
      const owners = new Set((await store.listSessions({ poolId, state: HOLDING, limit: ALL_ROWS })).map((s) => s.userId));
      for (const userId of owners) await guard.userChanged(userId, by);
    },
  };
  return guard;
}
