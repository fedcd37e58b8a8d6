// Sign-in, sign-out, "who am I" and changing one's own password (API.md "Auth"). Answers are
// decoded with the contract's schemas (contract/api/auth.ts); a bad answer is ApiError('bad_response').
import { z } from 'zod/mini';
import {
  LoginAnswer,
  LogoutAnswer,
  Me as MeAnswer,
  OidcCodeAnswer,
  SignInProvider,
  type LoginBody,
  type OidcCodeBody,
} from '../../../contract/api/auth.ts';
import { api } from './client.ts';
import type { Me } from './types.ts';

export type { SignInProvider };
export type Credentials = LoginBody;

/** The pages' view of the signed-in person (the UI reads the minimum length at the top level). */
function toMe(m: z.infer<typeof MeAnswer>): Me {
  return {
    id: m.id,
    username: m.username,
    displayName: m.displayName || m.username,
    roles: m.roles,
    groups: m.groups,
    mfaEnabled: m.mfaEnabled,
    mfaEnrollmentRequired: m.mfaEnrollmentRequired,
    passwordMinLength: m.passwordPolicy.minLength,
    localAccount: m.localAccount,
  };
}

const decodeMe = (x: unknown): Me => toMe(z.parse(MeAnswer, x));

export function login(credentials: Credentials): Promise<Me> {
  return api('/api/v1/auth/login', {
    method: 'POST',
    body: credentials,
    decode: (x) => toMe(z.parse(LoginAnswer, x).user),
    redirectOn401: false,
  });
}

/** A sign-in waiting for its second step after an identity provider (OIDC) sign-in. */
export function loginCode(body: OidcCodeBody): Promise<Me> {
  return api('/api/v1/auth/login/code', {
    method: 'POST',
    body,
    decode: (x) => toMe(z.parse(OidcCodeAnswer, x).user),
    redirectOn401: false,
  });
}

/** The identity providers the sign-in page offers (public). */
export function listSignInProviders(): Promise<SignInProvider[]> {
  return api('/api/v1/auth/providers', { decode: (x) => z.parse(z.array(SignInProvider), x), redirectOn401: false });
}

/** Signs out; answers the identity provider's sign-out URL when the gateway says to go there too. */
export function logout(): Promise<string | null> {
  return api('/api/v1/auth/logout', {
    method: 'POST',
    redirectOn401: false,
    // 204 has no body; 200 names where to sign out at the provider.
    decode: (x) => (x === undefined ? null : z.parse(LogoutAnswer, x).endSessionUrl),
  });
}

/** The signed-in person, or an ApiError with status 401 when nobody is. */
export function fetchMe(): Promise<Me> {
  return api('/api/v1/me', { decode: decodeMe, redirectOn401: false });
}

/** The signed-in person again, from a page; a 401 sends them to sign in like any page's call. */
export function refreshMe(signal?: AbortSignal): Promise<Me> {
  return api('/api/v1/me', { decode: decodeMe, signal });
}

/**
 * 204 on success: the gateway then sets a fresh session cookie and signs every other browser out.
 * A wrong current password is a 403 `invalid_credentials` (not a 401: the person stays signed in).
 */
export function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  return api('/api/v1/me/password', { method: 'POST', body: { currentPassword, newPassword } });
}

export function isAdmin(me: Me | null): boolean {
  return me?.roles.includes('admin') ?? false;
}

/** Helpdesk staff: the helpdesk role, or admin (roles are ordered user < helpdesk < admin). */
export function isHelpdesk(me: Me | null): boolean {
  return isAdmin(me) || (me?.roles.includes('helpdesk') ?? false);
}
