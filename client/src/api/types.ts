// Typed shapes of the gateway's answers about the signed-in person (API.md), plus their decoders.
// Desktops, sessions and shadows: api/desktops.ts, api/shadows.ts (from the contract).
import { optNum, optStr, str, strArray, unwrap, type Json } from './decode.ts';

export type Role = 'user' | 'helpdesk' | 'admin';
export const ROLES: readonly Role[] = ['user', 'helpdesk', 'admin'];

export interface Me {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  groups: string[];
  /** Two-step verification is on for this account. */
  mfaEnabled?: boolean;
  /** The MFA policy requires a second factor this person has not set up: only enrolment is open. */
  mfaEnrollmentRequired?: boolean;
  /** The gateway's minimum password length, when it says. */
  passwordMinLength?: number;
  /** False for accounts from an identity provider (no local password). */
  localAccount?: boolean;
}

export function decodeMe(x: unknown): Me {
  const o = unwrap(x, 'user');
  const username = str(o, 'username');
  const policy = typeof o.passwordPolicy === 'object' && o.passwordPolicy !== null ? (o.passwordPolicy as Json) : {};
  return {
    id: str(o, 'id'),
    username,
    displayName: optStr(o, 'displayName') ?? username,
    roles: strArray(o, 'roles'),
    groups: strArray(o, 'groups'),
    mfaEnabled: o.mfaEnabled === true,
    mfaEnrollmentRequired: o.mfaEnrollmentRequired === true,
    passwordMinLength: optNum(policy, 'minLength'),
    localAccount: o.localAccount !== false,
  };
}
