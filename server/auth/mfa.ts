// Second factors at sign-in and the MFA policy: who must have TOTP, whether a user still has to
// enrol (and the gate that keeps such a user away from desktops until they do), and the one check
// that turns "password was right" plus an optional code into accept or refuse.
import { forbidden, DomainError } from '../errors.ts';
import type { MfaPolicy, User } from '../store/types.ts';
import type { AuthDeps } from './deps.ts';
import { rememberBrowser, rememberedFor } from './remembered-browsers.ts';
import { hasRole } from './roles.ts';
import type { IssuedSecret } from './web-sessions.ts';
import { classifyCode, hashRecoveryCode, matchTotp } from './totp.ts';

/** Required when the user holds a listed role (admin implies helpdesk implies user) or is in a listed group. */
export function requiredByPolicy(user: User, policy: MfaPolicy): boolean {
  return policy.requiredRoles.some((r) => hasRole(user, r)) || user.groups.some((g) => policy.requiredGroups.includes(g));
}

export interface MfaStatus {
  enabled: boolean;
  /** A secret was handed out but not yet confirmed with a code. */
  pending: boolean;
  recoveryCodesLeft: number;
  requiredByPolicy: boolean;
  /** Required but not enabled: the person must enrol before using desktops. */
  enrollmentRequired: boolean;
  rememberDays: number;
}

export async function mfaStatus(deps: AuthDeps, user: User, policy?: MfaPolicy): Promise<MfaStatus> {
  const p = policy ?? (await deps.store.getMfaPolicy());
  const totp = await deps.store.getTotp(user.id);
  const enabled = totp?.confirmedAt != null;
  const required = requiredByPolicy(user, p);
  return {
    enabled,
    pending: totp !== null && !enabled,
    recoveryCodesLeft: enabled ? await deps.store.countRecoveryCodes(user.id) : 0,
    requiredByPolicy: required,
    enrollmentRequired: required && !enabled,
    rememberDays: p.rememberDays,
  };
}

/** True when the policy requires a second factor of this user and they have none yet. */
export async function enrollmentRequired(deps: AuthDeps, user: User): Promise<boolean> {
  const policy = await deps.store.getMfaPolicy();
  if (!requiredByPolicy(user, policy)) return false;
  return (await deps.store.getTotp(user.id))?.confirmedAt == null;
}

/**
 * Refuses with 403 `mfa_enrollment_required` while the policy requires a second factor the user
 * has not set up (server/http/mfa-gate.ts runs it in front of desktops, tickets, shadowing and
 * administration; the account itself stays open so the person can enrol).
 */
export async function assertEnrolled(deps: AuthDeps, user: User): Promise<void> {
  if (await enrollmentRequired(deps, user)) {
    throw forbidden('Your administrator requires two-step verification. Set it up on your Account page first.', 'mfa_enrollment_required');
  }
}

export type SecondFactor =
  | { ok: true; via: 'none' | 'remembered' | 'totp' | 'recovery'; rememberedHash?: string }
  | { ok: false; reason: 'otp_required' | 'invalid_otp' | 'otp_replay' };

/**
 * After a correct password: does this sign-in also satisfy the user's second factor? Users without
 * TOTP pass. A remembered browser passes. Otherwise a 6-digit code must match a time step within
 * ±1 that is newer than the last accepted one (recorded atomically, so a code works once), or a
 * recovery code must be unused (consumed atomically).
 */
export async function checkSecondFactor(
  deps: AuthDeps,
  rememberCookie: string | null,
  user: User,
  otp: string | undefined,
): Promise<SecondFactor> {
  const totp = await deps.store.getTotp(user.id);
  if (!totp || totp.confirmedAt === null) return { ok: true, via: 'none' };
  const policy = await deps.store.getMfaPolicy();
  const remembered = await rememberedFor(deps, rememberCookie, user, policy);
  if (remembered) return { ok: true, via: 'remembered', rememberedHash: remembered };
  if (otp === undefined || otp.trim() === '') return { ok: false, reason: 'otp_required' };
  return verifyCode(deps, user, totp.secret, otp);
}

/** Checks a TOTP or recovery code of a user whose factor is confirmed, consuming it on success. */
export async function verifyCode(deps: AuthDeps, user: User, secret: string, input: string): Promise<SecondFactor> {
  const code = classifyCode(input);
  if (code.kind === 'totp') {
    const step = matchTotp(secret, code.code, deps.clock.now());
    if (step === null) return { ok: false, reason: 'invalid_otp' };
    return (await deps.store.advanceTotpStep(user.id, step)) ? { ok: true, via: 'totp' } : { ok: false, reason: 'otp_replay' };
  }
  if (code.kind === 'recovery' && (await deps.store.consumeRecoveryCode(user.id, hashRecoveryCode(code.normalized), deps.clock.now()))) {
    return { ok: true, via: 'recovery' };
  }
  return { ok: false, reason: 'invalid_otp' };
}

/** The answer to a right password (or provider sign-in) that still needs the code. */
export async function otpRequired(deps: AuthDeps): Promise<DomainError> {
  const { rememberDays } = await deps.store.getMfaPolicy();
  return new DomainError('unauthenticated', 'otp_required', 'Enter the 6-digit code from your authenticator app.', { rememberDays });
}

/**
 * After a second factor passed (on any sign-in path): audits a spent recovery code and, when the
 * person asked and the policy allows, remembers this browser: answers the days remembered (or 0)
 * and the cookie to hand to the browser.
 */
export async function secondFactorPassed(
  deps: AuthDeps,
  user: User,
  via: 'none' | 'remembered' | 'totp' | 'recovery',
  remember: boolean | undefined,
  ip: string,
): Promise<{ rememberedDays: number; cookie?: IssuedSecret }> {
  if (via === 'recovery') {
    const left = await deps.store.countRecoveryCodes(user.id);
    await deps.audit.record({
      actor: user.username,
      action: 'mfa.recovery_used',
      target: user.id,
      result: 'ok',
      ip,
      details: { recoveryCodesLeft: left },
    });
  }
  if (remember !== true || (via !== 'totp' && via !== 'recovery')) return { rememberedDays: 0 };
  const { rememberDays } = await deps.store.getMfaPolicy();
  if (rememberDays <= 0) return { rememberedDays: 0 };
  return { rememberedDays: rememberDays, cookie: await rememberBrowser(deps, user.id, rememberDays) };
}
