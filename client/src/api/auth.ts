// Sign-in, sign-out, "who am I" and changing one's own password (API.md "Auth").
import { api } from './client.ts';
import { decodeMe, type Me } from './types.ts';

export interface Credentials {
  username: string;
  password: string;
  otp?: string;
}

export function login(credentials: Credentials): Promise<Me> {
  return api('/api/v1/auth/login', { method: 'POST', body: credentials, decode: decodeMe, redirectOn401: false });
}

/** A sign-in waiting for its second step after an identity provider (OIDC) sign-in. */
export function loginCode(body: { otp?: string; remember?: boolean }): Promise<Me> {
  return api('/api/v1/auth/login/code', { method: 'POST', body, decode: decodeMe, redirectOn401: false });
}

export interface SignInProvider {
  id: string;
  kind: 'oidc' | 'ldap';
  name: string;
  /** OIDC only: where the browser goes to start (add ?next=). */
  startUrl?: string;
}

function decodeProviders(x: unknown): SignInProvider[] {
  if (!Array.isArray(x)) throw new Error('expected a list');
  return x.flatMap((p: unknown) => {
    const o = p as Record<string, unknown>;
    if (typeof o.id !== 'string' || typeof o.name !== 'string' || (o.kind !== 'oidc' && o.kind !== 'ldap')) return [];
    return [{ id: o.id, kind: o.kind, name: o.name, ...(typeof o.startUrl === 'string' ? { startUrl: o.startUrl } : {}) }];
  });
}

/** The identity providers the sign-in page offers (public). */
export function listSignInProviders(): Promise<SignInProvider[]> {
  return api('/api/v1/auth/providers', { decode: decodeProviders, redirectOn401: false });
}

/** Signs out; answers the identity provider's sign-out URL when the gateway says to go there too. */
export function logout(): Promise<string | null> {
  return api('/api/v1/auth/logout', {
    method: 'POST',
    redirectOn401: false,
    decode: (x) => (x && typeof x === 'object' && typeof (x as { endSessionUrl?: unknown }).endSessionUrl === 'string' ? (x as { endSessionUrl: string }).endSessionUrl : null),
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
