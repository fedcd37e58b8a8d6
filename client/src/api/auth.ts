// Sign-in, sign-out and "who am I" (API.md "Auth").
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

export function logout(): Promise<void> {
  return api('/api/v1/auth/logout', { method: 'POST', redirectOn401: false });
}

/** The signed-in person, or an ApiError with status 401 when nobody is. */
export function fetchMe(): Promise<Me> {
  return api('/api/v1/me', { decode: decodeMe, redirectOn401: false });
}

export function isAdmin(me: Me | null): boolean {
  return me?.roles.includes('admin') ?? false;
}
