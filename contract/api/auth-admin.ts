// The admin of users, groups, the MFA policy and identity providers (all under /admin, admin
// only): request and response schemas and the route descriptions (contract/api/route.ts).
// contract/api/auth.ts lists these routes with its own.
import { z } from 'zod/mini';
import { ROLES } from '../ids.ts';
import type { RouteDoc } from './route.ts';

const Roles = z.array(z.enum(ROLES)).check(z.maxLength(3));
/** Group ids or names; names are resolved by the gateway. */
const GroupRefs = z.array(z.string().check(z.minLength(1), z.maxLength(128))).check(z.maxLength(100));
const Username = z
  .string()
  .check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(64, 'must be at most 64 characters'),
    z.regex(/^[A-Za-z0-9._@-]+$/, 'may contain only letters, digits and . _ @ -'),
  );
const Password = z.string().check(z.minLength(8, 'must be at least 8 characters'), z.maxLength(256, 'must be at most 256 characters'));
// Empty means "use the username" (the admin form leaves it blank).
const DisplayName = z.string().check(z.trim(), z.maxLength(128, 'must be at most 128 characters'));

// ---- Users and groups -------------------------------------------------------------------------

export const AdminUser = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.enum(ROLES)),
  groups: z.array(z.string()),
  disabled: z.boolean(),
  createdAt: z.number(),
  mfa: z.object({ enabled: z.boolean(), requiredByPolicy: z.boolean() }),
  /** Where the account signs in: its identity providers (empty for a local account). */
  providers: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type AdminUser = z.infer<typeof AdminUser>;

export const CreateUserBody = z.strictObject({
  username: Username,
  password: Password,
  displayName: z.optional(DisplayName),
  roles: z.optional(Roles),
  groups: z.optional(GroupRefs),
});
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const PatchUserBody = z.strictObject({
  displayName: z.optional(DisplayName),
  password: z.optional(Password),
  roles: z.optional(Roles),
  groups: z.optional(GroupRefs),
  disabled: z.optional(z.boolean()),
});
export type PatchUserBody = z.infer<typeof PatchUserBody>;

export const Group = z.object({ id: z.string(), name: z.string(), description: z.string() });
export type Group = z.infer<typeof Group>;

export const CreateGroupBody = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(64, 'must be at most 64 characters')),
  description: z._default(z.string().check(z.maxLength(500)), ''),
});
export type CreateGroupBody = z.input<typeof CreateGroupBody>;

// ---- MFA policy -------------------------------------------------------------------------------

export const MfaPolicyBody = z.strictObject({
  requiredRoles: Roles,
  /** Group ids or names. */
  requiredGroups: GroupRefs,
  rememberDays: z.int().check(z.gte(0, 'must be 0 (never) or more'), z.lte(365, 'must be at most 365')),
});
export type MfaPolicyBody = z.infer<typeof MfaPolicyBody>;
export const MfaPolicy = z.object({
  requiredRoles: z.array(z.enum(ROLES)),
  /** Group ids. */ requiredGroups: z.array(z.string()),
  rememberDays: z.number(),
});
export type MfaPolicy = z.infer<typeof MfaPolicy>;

// ---- Identity providers -----------------------------------------------------------------------

export const PROVIDER_KINDS = ['oidc', 'ldap'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];
export const ProviderId = z
  .string()
  .check(z.regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, 'must be a lowercase slug (a-z, 0-9, -), at most 48 characters'));
/** The module's settings (validated by the gateway with the provider's own schema); secrets are write-only. */
const Settings = z
  .record(z.string().check(z.maxLength(64)), z.unknown())
  .check(z.refine((o) => Object.keys(o).length <= 40, 'too many settings'));
const ProviderName = z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(64));
const Position = z.int().check(z.gte(0), z.lte(1000));

export const CreateProviderBody = z.strictObject({
  kind: z.enum(PROVIDER_KINDS),
  id: ProviderId,
  name: ProviderName,
  enabled: z._default(z.boolean(), true),
  position: z._default(Position, 0),
  config: Settings,
});
export type CreateProviderBody = z.input<typeof CreateProviderBody>;

export const UpdateProviderBody = z.strictObject({
  name: z.optional(ProviderName),
  enabled: z.optional(z.boolean()),
  position: z.optional(Position),
  config: z.optional(Settings),
});
export type UpdateProviderBody = z.infer<typeof UpdateProviderBody>;

export const GroupMappingInput = z
  .strictObject({
    externalGroup: z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(256)),
    group: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    role: z.optional(z.enum(ROLES)),
  })
  .check(z.refine((m) => (m.group === undefined) !== (m.role === undefined), 'give either a group or a role'));
export type GroupMappingInput = z.infer<typeof GroupMappingInput>;
export const MappingsBody = z.strictObject({ mappings: z.array(GroupMappingInput).check(z.maxLength(500)) });
export type MappingsBody = z.infer<typeof MappingsBody>;

export const IdentityProviderView = z.object({
  id: z.string(),
  kind: z.enum(PROVIDER_KINDS),
  name: z.string(),
  enabled: z.boolean(),
  position: z.number(),
  config: z.record(z.string(), z.unknown()),
  secretSet: z.boolean(),
  valid: z.boolean(),
  problem: z.optional(z.string()),
  /** OIDC only: the redirect URI to register at the provider. */
  redirectUri: z.optional(z.string()),
  mappings: z.array(
    z.object({
      externalGroup: z.string(),
      groupId: z.nullable(z.string()),
      group: z.nullable(z.string()),
      role: z.nullable(z.enum(ROLES)),
    }),
  ),
  /** ISO 8601. */
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type IdentityProviderView = z.infer<typeof IdentityProviderView>;

export const ProviderTestResult = z.object({ ok: z.boolean(), message: z.string() });
export type ProviderTestResult = z.infer<typeof ProviderTestResult>;

// ---- Routes -----------------------------------------------------------------------------------

const mfaEnrol = 'mfa_enrollment_required';

export const ADMIN_ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/admin/users',
    audience: 'admin',
    summary: 'Every user, with MFA status and identity providers',
    ok: { status: 200, schema: z.array(AdminUser) },
    errors: { 403: ['forbidden', mfaEnrol] },
  },
  {
    method: 'post',
    path: '/admin/users',
    audience: 'admin',
    summary: 'Create a local user',
    body: CreateUserBody,
    ok: { status: 201, schema: AdminUser },
    errors: { 403: ['forbidden', mfaEnrol], 409: ['username_taken'] },
  },
  {
    method: 'get',
    path: '/admin/users/:id',
    audience: 'admin',
    summary: 'One user',
    ok: { status: 200, schema: AdminUser },
    errors: { 403: ['forbidden', mfaEnrol], 404: ['not_found'] },
  },
  {
    method: 'patch',
    path: '/admin/users/:id',
    audience: 'admin',
    summary: 'Change a user (name, password, roles, groups, disabled)',
    description: 'A new password ends every browser session of that user; losing groups or roles ends what they no longer reach.',
    body: PatchUserBody,
    ok: { status: 200, schema: AdminUser },
    errors: {
      403: ['forbidden', mfaEnrol, 'self_service_required'],
      404: ['not_found'],
      409: ['cannot_disable_self', 'cannot_demote_self', 'external_account'],
    },
  },
  {
    method: 'delete',
    path: '/admin/users/:id',
    audience: 'admin',
    summary: 'Delete a user',
    ok: { status: 204 },
    errors: { 403: ['forbidden', mfaEnrol], 404: ['not_found'], 409: ['cannot_delete_self'] },
  },
  {
    method: 'post',
    path: '/admin/users/:id/mfa/reset',
    audience: 'admin',
    summary: 'Reset a user’s second factor (a lost phone)',
    ok: { status: 204 },
    errors: { 403: ['forbidden', mfaEnrol, 'self_service_required'], 404: ['not_found'] },
  },
  {
    method: 'get',
    path: '/admin/groups',
    audience: 'admin',
    summary: 'Every group',
    ok: { status: 200, schema: z.array(Group) },
    errors: { 403: ['forbidden', mfaEnrol] },
  },
  {
    method: 'post',
    path: '/admin/groups',
    audience: 'admin',
    summary: 'Create a group',
    body: CreateGroupBody,
    ok: { status: 201, schema: Group },
    errors: { 403: ['forbidden', mfaEnrol], 409: ['group_name_taken'] },
  },
  {
    method: 'delete',
    path: '/admin/groups/:id',
    audience: 'admin',
    summary: 'Delete a group (refused while it is some pool’s only group)',
    ok: { status: 204 },
    errors: { 403: ['forbidden', mfaEnrol], 404: ['not_found'], 409: ['group_in_use'] },
  },
  {
    method: 'get',
    path: '/admin/mfa-policy',
    audience: 'admin',
    summary: 'The MFA policy',
    ok: { status: 200, schema: MfaPolicy },
    errors: { 403: ['forbidden', mfaEnrol] },
  },
  {
    method: 'put',
    path: '/admin/mfa-policy',
    audience: 'admin',
    summary: 'Set the MFA policy (who must use TOTP, how long a browser may be remembered)',
    body: MfaPolicyBody,
    ok: { status: 200, schema: MfaPolicy },
    errors: { 403: ['forbidden', mfaEnrol], 409: ['mfa_enroll_first'] },
  },
  {
    method: 'get',
    path: '/admin/identity-providers',
    audience: 'admin',
    summary: 'Every identity provider (secrets never shown)',
    ok: { status: 200, schema: z.array(IdentityProviderView) },
    errors: { 403: ['forbidden', mfaEnrol] },
  },
  {
    method: 'post',
    path: '/admin/identity-providers',
    audience: 'admin',
    summary: 'Add an identity provider (OIDC or LDAP)',
    body: CreateProviderBody,
    ok: { status: 201, schema: IdentityProviderView },
    errors: { 403: ['forbidden', mfaEnrol], 409: ['provider_exists'] },
  },
  {
    method: 'put',
    path: '/admin/identity-providers/:id',
    audience: 'admin',
    summary: 'Change an identity provider (a secret left out is kept while the target stays the same)',
    body: UpdateProviderBody,
    ok: { status: 200, schema: IdentityProviderView },
    errors: { 403: ['forbidden', mfaEnrol], 404: ['not_found'] },
  },
  {
    method: 'delete',
    path: '/admin/identity-providers/:id',
    audience: 'admin',
    summary: 'Remove an identity provider',
    ok: { status: 204 },
    errors: { 403: ['forbidden', mfaEnrol], 404: ['not_found'] },
  },
  {
    method: 'put',
    path: '/admin/identity-providers/:id/mappings',
    audience: 'admin',
    summary: 'Replace a provider’s group mappings (external group → group or role)',
    body: MappingsBody,
    ok: { status: 200, schema: IdentityProviderView },
    errors: { 403: ['forbidden', mfaEnrol], 404: ['not_found'] },
  },
  {
    method: 'post',
    path: '/admin/identity-providers/:id/test',
    audience: 'admin',
    summary: 'Test a provider’s settings (LDAP bind and search, OIDC discovery)',
    ok: { status: 200, schema: ProviderTestResult },
    errors: { 403: ['forbidden', mfaEnrol], 404: ['not_found'] },
  },
];
