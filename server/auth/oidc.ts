// OpenID Connect providers, HTTP-free: their configuration, ID-token claims → ExternalIdentity,
// the bounded store of sign-in attempts, discovery and RP-initiated logout. The authorization code
// flow itself runs over HTTP in server/http/routes/oidc.ts.
import * as client from 'openid-client';
import { z } from 'zod';
import { systemClock, type Clock } from '../clock.ts';
import { secretToken, sha256 } from '../util/random.ts';
import type { Store } from '../store/types.ts';
import type { ExternalIdentity } from './identity.ts';

// ---- Provider configuration -------------------------------------------------------------------

const isLoopbackHost = (h: string) => h === 'localhost' || h === '[::1]' || /^127(\.\d{1,3}){3}$/.test(h);
const claimPath = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_:/.#-]+$/, 'must be a claim name or a dotted path');
const SCOPE_RE = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

export const oidcProviderSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, 'must be a lowercase slug (a-z, 0-9, -), at most 48 characters'),
    name: z.string().trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters'),
    issuer: z.url({ protocol: /^https?$/ }).max(2048),
    clientId: z.string().min(1).max(256),
    /** Absent for public clients, which rely on PKCE alone. */
    clientSecret: z.string().min(1).max(1024).optional(),
    tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
    scopes: z
      .string()
      .max(1024)
      .regex(SCOPE_RE, 'must be space-separated scope names')
      .refine((s) => s.split(' ').includes('openid'), 'must include openid')
      .default('openid profile email'),
    groupsClaim: claimPath.default('groups'),
    usernameClaim: claimPath.default('preferred_username'),
    /** Lets a loopback issuer use plain http (tests, a provider on the same machine); never others. */
    allowHttpIssuer: z.boolean().default(false),
    /** On sign-out, also send the browser to the provider's end_session_endpoint. */
    endSessionRedirect: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    const u = new URL(c.issuer);
    if (u.search || u.hash || u.username || u.password)
      ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'must not carry a query, fragment or credentials' });
    if (u.protocol === 'http:' && !(c.allowHttpIssuer && isLoopbackHost(u.hostname))) {
      ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'must use https (http only for a loopback issuer with allowHttpIssuer)' });
    }
  });

export type OidcProviderConfig = z.output<typeof oidcProviderSchema>;
export type OidcProviderInput = z.input<typeof oidcProviderSchema>;

// ---- Claims → ExternalIdentity ----------------------------------------------------------------

export const MAX_GROUPS = 256;
const MAX_TEXT = 256;

/** A claim by name, else by dotted path into nested objects ("realm_access.roles"). */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  // A literal key wins: URI-shaped claim names ("https://example.com/groups") contain dots.
  if (Object.hasOwn(claims, path)) return claims[path];
  let cur: unknown = claims;
  for (const part of path.split('.')) {
    if (!cur || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const text = (v: unknown, max = MAX_TEXT): string | null => (typeof v === 'string' && v.trim() && v.length <= max ? v.trim() : null);

/** Group names from a claim holding an array of strings or one string. Over-long names are dropped, not cut: two cut names could collide. */
export function groupsFrom(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  const out = new Set<string>();
  for (const g of list) {
    const name = text(g);
    if (name) out.add(name);
    if (out.size >= MAX_GROUPS) break;
  }
  return [...out];
}

/** The identity an ID token's claims describe, or null without a usable `sub`. */
export function identityFromClaims(
  config: Pick<OidcProviderConfig, 'id' | 'usernameClaim' | 'groupsClaim'>,
  claims: Record<string, unknown>,
): ExternalIdentity | null {
  const subject = typeof claims.sub === 'string' && claims.sub.length > 0 && claims.sub.length <= 255 ? claims.sub : null;
  if (!subject) return null;
  const email = text(claims.email, 320);
  return {
    providerId: config.id,
    subject,
    username: text(claimAt(claims, config.usernameClaim)) ?? email ?? subject,
    displayName: text(claims.name),
    email: email?.includes('@') ? email : null,
    groups: groupsFrom(claimAt(claims, config.groupsClaim)),
  };
}

/** `next` when it is a path on this site ("/desktops?x=1"), else null. */
export function safeNextPath(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return null;
  // "//evil.example" and "/\evil.example" are other hosts to a browser.
  if (!raw.startsWith('/') || raw.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(raw)) return null;
  const base = 'http://deskport.invalid';
  const u = new URL(raw, base);
  // Dot-segments normalise back into "//host" ("/.//evil", "/a/..//evil"): check the result too.
  if (u.origin !== base || u.pathname.startsWith('//') || u.pathname.startsWith('/\\')) return null;
  const path = u.pathname + u.search + u.hash;
  // Percent-encoding can make the normalised path longer than what was given.
  return path.length <= 2048 ? path : null;
}

// ---- Per-attempt secrets ----------------------------------------------------------------------

export interface OidcAttempt {
  providerId: string;
  next: string;
  expiresAt: number;
  /** Filled by the strategy when it builds the authorization URL. */
  checks: { codeVerifier: string; state: string; nonce: string } | null;
}

/**
 * Single-use store of sign-in attempts between the start and the provider's answer. Rows of the
 * store (pending_sign_ins, kind `oidc-attempt`, keyed by the SHA-256 of the cookie's id), so the
 * answer may reach another gateway than the start did; how many there are is bounded by the
 * per-address start limit (oidc-sign-in.ts) and the TTL, and housekeeping deletes them.
 */
export interface AttemptStore {
  /** Keeps the attempt under `id` (a fresh random one when not given) and returns the id. */
  put(attempt: OidcAttempt, id?: string): Promise<string>;
  /** Removes and returns the attempt (expired ones too: the caller tells "expired" from "unknown"). */
  take(id: string): Promise<OidcAttempt | null>;
  /** Reads it without taking it (tests). */
  peek(id: string): Promise<OidcAttempt | null>;
}

export const ATTEMPT_TTL_MS = 10 * 60_000;
const ATTEMPT_KIND = 'oidc-attempt';

const Checks = z.object({ codeVerifier: z.string().max(256), state: z.string().max(256), nonce: z.string().max(256) });
const StoredAttempt = z.object({
  providerId: z.string().max(64),
  next: z.string().max(2048),
  expiresAt: z.number(),
  checks: Checks.nullable(),
});

export function createAttemptStore(
  store: Pick<Store, 'createPendingSignIn' | 'takePendingSignIn' | 'getPendingSignIn'>,
  { ttlMs = ATTEMPT_TTL_MS } = {},
): AttemptStore {
  const read = (data: unknown): OidcAttempt | null => {
    const parsed = StoredAttempt.safeParse(data);
    return parsed.success ? parsed.data : null;
  };
  return {
    async put(attempt, id = secretToken()) {
      // Kept one more TTL after it expires, so a late callback hears "expired" rather than "unknown".
      await store.createPendingSignIn({ hash: sha256(id), kind: ATTEMPT_KIND, data: attempt, expiresAt: attempt.expiresAt + ttlMs });
      return id;
    },
    async take(id) {
      const row = await store.takePendingSignIn(sha256(id), ATTEMPT_KIND);
      return row ? read(row.data) : null;
    },
    async peek(id) {
      const row = await store.getPendingSignIn(sha256(id), ATTEMPT_KIND);
      return row ? read(row.data) : null;
    },
  };
}

// ---- Discovery --------------------------------------------------------------------------------

/** Discovered provider metadata, cached per configuration; failures are never cached. */
export interface OidcDiscovery {
  get(config: OidcProviderConfig): Promise<client.Configuration>;
  forget(config: OidcProviderConfig): void;
}

export function createOidcDiscovery({
  clock = systemClock,
  ttlMs = 3600_000,
  timeoutS = 10,
}: { clock?: Clock; ttlMs?: number; timeoutS?: number } = {}): OidcDiscovery {
  const cache = new Map<string, { at: number; config: Promise<client.Configuration> }>();
  const keyOf = (c: OidcProviderConfig) =>
    sha256(JSON.stringify([c.id, c.issuer, c.clientId, c.clientSecret, c.tokenEndpointAuthMethod, c.allowHttpIssuer]));
  const discover = (c: OidcProviderConfig) => {
    const auth = !c.clientSecret
      ? client.None()
      : c.tokenEndpointAuthMethod === 'client_secret_post'
        ? client.ClientSecretPost(c.clientSecret)
        : client.ClientSecretBasic(c.clientSecret);
    // The schema only lets http through for loopback issuers.
    const execute = new URL(c.issuer).protocol === 'http:' ? [client.allowInsecureRequests] : [];
    return client.discovery(new URL(c.issuer), c.clientId, undefined, auth, { execute, timeout: timeoutS });
  };
  return {
    get(c) {
      const key = keyOf(c);
      const hit = cache.get(key);
      if (hit && clock.now() - hit.at < ttlMs) return hit.config;
      const config = discover(c);
      cache.delete(key);
      cache.set(key, { at: clock.now(), config });
      if (cache.size > 64) cache.delete(cache.keys().next().value as string);
      config.catch(() => cache.get(key)?.config === config && cache.delete(key));
      return config;
    },
    forget(c) {
      cache.delete(keyOf(c));
    },
  };
}

/** The provider's logout URL for RP-initiated logout, or null (not enabled, not offered, or the provider is unreachable). */
export async function endSessionUrl(
  config: OidcProviderConfig,
  idTokenHint: string | undefined,
  postLogoutRedirect: string,
  discovery: OidcDiscovery = createOidcDiscovery(),
): Promise<string | null> {
  if (!config.endSessionRedirect) return null;
  const c = await discovery.get(config).catch(() => null);
  if (!c?.serverMetadata().end_session_endpoint) return null;
  const params: Record<string, string> = { client_id: config.clientId, post_logout_redirect_uri: postLogoutRedirect };
  if (idTokenHint) params.id_token_hint = idTokenHint;
  return client.buildEndSessionUrl(c, params).href;
}

export type OidcFailureReason =
  'unknown_provider' | 'bad_state' | 'expired' | 'access_denied' | 'provider_error' | 'provider_unreachable' | 'id_token_invalid';
