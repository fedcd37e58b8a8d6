// The gate that keeps a person the MFA policy requires to enrol away from desktops, tickets,
// shadowing and administration until they do (server/auth/mfa.ts decides). Mounted in front of
// those routers; what stays open is the account itself (/me, /me/mfa, password, sessions).
import type { RequestHandler } from 'express';
import type { AuthDeps } from '../auth/deps.ts';
import { assertEnrolled } from '../auth/mfa.ts';
import { principalOf } from './auth-middleware.ts';

/** Refuses with 403 `mfa_enrollment_required` until enrolled. Must run after authentication. */
export function requireMfaEnrolled(deps: AuthDeps): RequestHandler {
  return async (_req, res, next) => {
    const { user } = principalOf(res);
    // Several routers are mounted behind the gate; one request asks the store once.
    if (res.locals.mfaEnrolledChecked === true) return next();
    await assertEnrolled(deps, user);
    res.locals.mfaEnrolledChecked = true;
    next();
  };
}
