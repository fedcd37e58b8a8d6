// Signing in and out, one's own account, second factor and API tokens, the sign-in providers and
// OIDC sign-in: request and response schemas and the route descriptions of /api/v1
// (contract/api/route.ts). The admin of users, groups, MFA and providers is in auth-admin.ts.
import { z } from 'zod/mini';
import { ROLES } from '../ids.ts';
import { ADMIN_ROUTES } from './auth-admin.ts';
import type { RouteDoc } from './route.ts';

// ---- Shapes shared by several answers ---------------------------------------------------------

/** The public JSON shape of a user (never the password hash); groups by name. Times are epoch ms. */
export const PublicUser = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.enum(ROLES)),
  groups: z.array(z.string()),
  disabled: z.boolean(),
  createdAt: z.number(),
});
export type PublicUser = z.infer<typeof PublicUser>;

/** GET /me and the sign-in answers: the public user plus what the browser needs to steer the person. */
export const Me = z.object({
  ...PublicUser.shape,
  mfaEnabled: z.boolean(),
  mfaEnrollmentRequired: z.boolean(),
  /** False for accounts from an identity provider: no password here to change or confirm. */
  localAccount: z.boolean(),
  passwordPolicy: z.object({ minLength: z.number(), maxLength: z.number() }),
});
export type Me = z.infer<typeof Me>;

// ---- Sign-in ----------------------------------------------------------------------------------

// Sign-in is lenient on shape (extra fields ignored) but bounds lengths: argon2 on a megabyte of
// "password" is a cheap way to burn the gateway's CPU.
export const LoginBody = z.object({
  username: z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(256)),
  password: z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(1024)),
  otp: z.optional(z.string().check(z.maxLength(32))),
  /** After a good one-time code: skip the code on this browser for the policy's rememberDays. */
  remember: z.optional(z.boolean()),
});
export type LoginBody = z.infer<typeof LoginBody>;
export const LoginAnswer = z.object({ user: Me });
export type LoginAnswer = z.infer<typeof LoginAnswer>;

/** The second step of a provider sign-in; no code at all asks only whether this browser is remembered. */
export const OidcCodeBody = z.strictObject({ otp: z.optional(z.string().check(z.maxLength(32))), remember: z.optional(z.boolean()) });
export type OidcCodeBody = z.infer<typeof OidcCodeBody>;
export const OidcCodeAnswer = z.object({ user: Me, next: z.string() });
export type OidcCodeAnswer = z.infer<typeof OidcCodeAnswer>;

/** 200 instead of 204 when the browser should sign out at its identity provider too. */
export const LogoutAnswer = z.object({ endSessionUrl: z.string() });
export type LogoutAnswer = z.infer<typeof LogoutAnswer>;

export const SignInProvider = z.object({
  id: z.string(),
  kind: z.enum(['oidc', 'ldap']),
  name: z.string(),
  /** OIDC only: where the browser goes to start (add ?next=). */
  startUrl: z.optional(z.string()),
});
export type SignInProvider = z.infer<typeof SignInProvider>;

// ---- One's own account ------------------------------------------------------------------------

/** The floor every configuration keeps; the configurable rules are the gateway's password policy. */
export const Password = z
  .string()
  .check(z.minLength(8, 'must be at least 8 characters'), z.maxLength(256, 'must be at most 256 characters'));

export const ChangePasswordBody = z.strictObject({ currentPassword: z.string().check(z.maxLength(1024)), newPassword: Password });
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

export const CreateTokenBody = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(100, 'must be at most 100 characters')),
  expiresInDays: z.optional(z.int().check(z.gte(1), z.lte(3650))),
});
export type CreateTokenBody = z.infer<typeof CreateTokenBody>;
/** The token itself is in this answer only. */
export const CreatedToken = z.object({
  id: z.string(),
  token: z.string(),
  name: z.string(),
  createdAt: z.number(),
  expiresAt: z.nullable(z.number()),
});
export type CreatedToken = z.infer<typeof CreatedToken>;

export const ApiTokenInfo = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.number(),
  expiresAt: z.nullable(z.number()),
  lastUsedAt: z.nullable(z.number()),
  expired: z.boolean(),
});
export type ApiTokenInfo = z.infer<typeof ApiTokenInfo>;

export const SignedInBrowser = z.object({
  id: z.string(),
  current: z.boolean(),
  createdAt: z.number(),
  lastSeenAt: z.number(),
  expiresAt: z.number(),
  ip: z.nullable(z.string()),
  userAgent: z.nullable(z.string()),
});
export type SignedInBrowser = z.infer<typeof SignedInBrowser>;

export const RevokeOthersAnswer = z.object({ revoked: z.number(), rememberedBrowsersForgotten: z.number() });
export type RevokeOthersAnswer = z.infer<typeof RevokeOthersAnswer>;

// ---- Second factor ----------------------------------------------------------------------------

export const MfaStatus = z.object({
  totp: z.object({ enabled: z.boolean(), pending: z.boolean() }),
  enabled: z.boolean(),
  recoveryCodesLeft: z.number(),
  requiredByPolicy: z.boolean(),
  /** Required but not enabled: the person must enrol before using desktops. */
  enrollmentRequired: z.boolean(),
  rememberDays: z.number(),
});
export type MfaStatus = z.infer<typeof MfaStatus>;

const Code = z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(32, 'must be at most 32 characters'));

/** Local accounts confirm their password before a new secret is shown. */
export const TotpSetupBody = z.strictObject({ password: z.optional(z.string().check(z.maxLength(1024))) });
export type TotpSetupBody = z.infer<typeof TotpSetupBody>;
export const TotpSetup = z.object({ secret: z.string(), otpauthUri: z.string(), qrDataUrl: z.string() });
export type TotpSetup = z.infer<typeof TotpSetup>;

export const TotpConfirmBody = z.strictObject({ code: Code });
export type TotpConfirmBody = z.infer<typeof TotpConfirmBody>;
/** The recovery codes are shown once and never again. */
export const TotpConfirmed = z.object({ enabled: z.literal(true), recoveryCodes: z.array(z.string()) });
export type TotpConfirmed = z.infer<typeof TotpConfirmed>;

/** Turning TOTP off needs the password or a current code (or a recovery code). */
export const TotpDisableBody = z.strictObject({ password: z.optional(z.string().check(z.maxLength(1024))), code: z.optional(Code) }).check(
  z.refine((b) => b.password !== undefined || b.code !== undefined, {
    message: 'give your password or a current code',
    path: ['password'],
  }),
);
export type TotpDisableBody = z.infer<typeof TotpDisableBody>;

// ---- Routes -----------------------------------------------------------------------------------

const SESSION_ONLY = 'session_required';

export const ROUTES: readonly RouteDoc[] = [
  {
    method: 'post',
    path: '/auth/login',
    audience: 'public',
    summary: 'Sign in with a username and password (and the one-time code when the account has one)',
    description: 'Sets the session cookie. A local password wins; other names are tried against the configured LDAP directories in order.',
    body: LoginBody,
    ok: { status: 200, schema: LoginAnswer },
    errors: {
      401: ['invalid_credentials', 'otp_required', 'invalid_otp'],
      403: ['origin_mismatch'],
      429: ['throttled'],
      503: ['directory_unavailable'],
    },
  },
  {
    method: 'post',
    path: '/auth/logout',
    audience: 'public',
    summary: 'Sign out this browser',
    description: 'Answers 204, or 200 with {endSessionUrl} (LogoutAnswer) when the browser should sign out at its identity provider too.',
    ok: { status: 204 },
  },
  {
    method: 'get',
    path: '/auth/providers',
    audience: 'public',
    summary: 'The identity providers the sign-in page offers',
    ok: { status: 200, schema: z.array(SignInProvider) },
  },
  {
    method: 'get',
    path: '/auth/oidc/:providerId/start',
    audience: 'public',
    summary: 'Start signing in with an OpenID Connect provider (redirects to it)',
    description: 'Query `next`: a path on this site to return to. Failures to reach the provider redirect to /signin?error=…',
    ok: { status: 302 },
    errors: { 404: ['not_found'], 429: ['throttled'] },
  },
  {
    method: 'get',
    path: '/auth/oidc/:providerId/callback',
    audience: 'public',
    summary: 'Where the OpenID Connect provider sends the browser back (redirects onward)',
    description:
      'Redirects (303) to `next` when signed in, to /signin?step=code… when a one-time code is needed, else to /signin?error=<reason>&provider=<id>.',
    ok: { status: 303 },
  },
  {
    method: 'post',
    path: '/auth/login/code',
    audience: 'public',
    summary: 'The one-time code of a provider sign-in waiting for it',
    body: OidcCodeBody,
    ok: { status: 200, schema: OidcCodeAnswer },
    errors: { 401: ['sign_in_expired', 'otp_required', 'invalid_otp'], 429: ['throttled'] },
  },
  { method: 'get', path: '/me', audience: 'user', summary: 'Who is signed in', ok: { status: 200, schema: Me } },
  {
    method: 'post',
    path: '/me/password',
    audience: 'user',
    summary: 'Change one’s own password (ends every other sign-in)',
    body: ChangePasswordBody,
    ok: { status: 204 },
    errors: { 403: [SESSION_ONLY, 'invalid_credentials'], 429: ['throttled'] },
  },
  {
    method: 'post',
    path: '/me/tokens',
    audience: 'user',
    summary: 'Create an API token (shown once)',
    body: CreateTokenBody,
    ok: { status: 201, schema: CreatedToken },
    errors: { 403: [SESSION_ONLY, 'mfa_enrollment_required'] },
  },
  {
    method: 'get',
    path: '/me/tokens',
    audience: 'user',
    summary: 'One’s own API tokens (never the token itself)',
    ok: { status: 200, schema: z.array(ApiTokenInfo) },
  },
  {
    method: 'delete',
    path: '/me/tokens/:id',
    audience: 'user',
    summary: 'Revoke one of one’s API tokens',
    ok: { status: 204 },
    errors: { 404: ['not_found'] },
  },
  {
    method: 'get',
    path: '/me/sessions',
    audience: 'user',
    summary: 'One’s signed-in browsers',
    ok: { status: 200, schema: z.array(SignedInBrowser) },
  },
  {
    method: 'delete',
    path: '/me/sessions/:id',
    audience: 'user',
    summary: 'Sign one browser out',
    ok: { status: 204 },
    errors: { 404: ['not_found'] },
  },
  {
    method: 'post',
    path: '/me/sessions/revoke-others',
    audience: 'user',
    summary: 'Sign out everywhere else (and forget every remembered browser)',
    ok: { status: 200, schema: RevokeOthersAnswer },
    errors: { 403: [SESSION_ONLY] },
  },
  {
    method: 'get',
    path: '/me/mfa',
    audience: 'user',
    summary: 'One’s two-step verification status',
    ok: { status: 200, schema: MfaStatus },
  },
  {
    method: 'post',
    path: '/me/mfa/totp/setup',
    audience: 'user',
    summary: 'Start setting up an authenticator app (a pending secret and its QR code)',
    body: TotpSetupBody,
    ok: { status: 201, schema: TotpSetup },
    errors: { 403: [SESSION_ONLY, 'invalid_credentials', 'recent_sign_in_required'], 409: ['mfa_already_enabled'], 429: ['throttled'] },
  },
  {
    method: 'post',
    path: '/me/mfa/totp/confirm',
    audience: 'user',
    summary: 'Confirm the authenticator app with a code (answers the recovery codes once)',
    body: TotpConfirmBody,
    ok: { status: 200, schema: TotpConfirmed },
    errors: {
      400: ['invalid_input', 'invalid_otp'],
      403: [SESSION_ONLY],
      409: ['mfa_already_enabled', 'mfa_not_pending'],
      429: ['throttled'],
    },
  },
  {
    method: 'delete',
    path: '/me/mfa/totp',
    audience: 'user',
    summary: 'Turn two-step verification off (password or a code)',
    body: TotpDisableBody,
    ok: { status: 204 },
    errors: { 403: [SESSION_ONLY, 'invalid_credentials'], 409: ['mfa_not_enabled'], 429: ['throttled'] },
  },
  ...ADMIN_ROUTES,
];
