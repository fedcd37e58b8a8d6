// Existing machines: RDP, VNC and SSH servers Deskport does not start, registered by an admin and
// reached by an agent that can see them (never by the gateway). Secrets are write-only: answers say
// only whether one is set. Schemas and route descriptions of /api/v1 (contract/api/route.ts).
import { z } from 'zod/mini';
import { Id, MACHINE_PROTOCOLS } from '../ids.ts';
import { SessionPolicy, SessionPolicyPatch } from './policy.ts';
import type { RouteDoc } from './route.ts';

const Iso = z.string();
const mfaEnrol = 'mfa_enrollment_required';

/**
 * How the gateway logs in to the machine for the person (guacd gets the credentials; the browser never):
 * `shared` one service account the admin sets; `per_user` each person's own, saved once
 * (PUT /machines/:id/credentials); `passthrough` the person's directory (LDAP) user name and the
 * password they signed in with, kept encrypted for that web session only (docs/passthrough.md; other
 * sign-ins get 409 directory_sign_in_required); `none` no login.
 */
export const CREDENTIAL_MODES = ['shared', 'per_user', 'passthrough', 'none'] as const;
export type CredentialMode = (typeof CREDENTIAL_MODES)[number];
/** RDP security negotiation (guacd's `security`). */
export const RDP_SECURITY = ['any', 'nla', 'tls', 'rdp'] as const;

/** A host name or an IP literal as the agent sees it: no scheme, no port, no path. */
export const MachineAddress = z
  .string()
  .check(
    z.trim(),
    z.minLength(1),
    z.maxLength(253),
    z.regex(/^[A-Za-z0-9.:_-]+$/, 'must be a host name or an IP address, without scheme or port'),
  );
const Name = z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(128));
const Username = z.string().check(z.maxLength(256));
/** Write-only: a string sets it, null clears it, leaving it out keeps it (on edit). */
const Secret = z.nullable(z.string().check(z.maxLength(16 * 1024)));

export const MachineFields = z.strictObject({
  name: Name,
  description: z.optional(z.string().check(z.maxLength(500))),
  protocol: z.enum(MACHINE_PROTOCOLS),
  address: MachineAddress,
  port: z.int().check(z.gte(1), z.lte(65535)),
  /**
   * Which agents may dial it: one host (hostId) or every host with this label (hostLabel: "key=value",
   * or "key" for any value). Exactly one; setting one on an edit clears the other.
   */
  hostId: z.optional(z.nullable(Id)),
  hostLabel: z.optional(z.nullable(z.string().check(z.minLength(1), z.maxLength(64)))),
  /** RDP only. */
  security: z.optional(z.enum(RDP_SECURITY)),
  /** RDP only: accept a certificate the agent's host cannot verify (self-signed servers). */
  ignoreCert: z.optional(z.boolean()),
  domain: z.optional(z.string().check(z.maxLength(256))),
  credentialMode: z.enum(CREDENTIAL_MODES),
  /** For `shared`: the service account. Ignored for `passthrough` (the person's directory name is used). */
  username: z.optional(Username),
  password: z.optional(Secret),
  /** SSH only: a private key (OpenSSH/PEM) instead of or next to the password. */
  privateKey: z.optional(Secret),
  /** Groups entitled to it; empty = everyone. */
  groups: z.optional(z.array(Id).check(z.maxLength(100))),
  /** Recording, files, clipboard and sound (contract/api/policy.ts); any subset, merged field by field, the rest defaults. */
  policy: z.optional(SessionPolicyPatch),
});
export type MachineFields = z.infer<typeof MachineFields>;
export const CreateMachineBody = MachineFields;
export const UpdateMachineBody = z.partial(MachineFields);
export type UpdateMachineBody = z.infer<typeof UpdateMachineBody>;

/** A machine as admins see it: never a secret, only whether one is set. */
export const MachineView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  protocol: z.enum(MACHINE_PROTOCOLS),
  address: z.string(),
  port: z.number(),
  hostId: z.nullable(z.string()),
  hostLabel: z.nullable(z.string()),
  security: z.enum(RDP_SECURITY),
  ignoreCert: z.boolean(),
  domain: z.string(),
  credentialMode: z.enum(CREDENTIAL_MODES),
  username: z.string(),
  passwordSet: z.boolean(),
  privateKeySet: z.boolean(),
  groups: z.array(z.string()),
  policy: SessionPolicy,
  /** Why people cannot connect right now (no agent can reach it, guacd missing), or absent. */
  unavailable: z.optional(z.string()),
  createdAt: Iso,
  updatedAt: Iso,
});
export type MachineView = z.infer<typeof MachineView>;

/** A machine as the people entitled to it see it (GET /machines). */
export const UserMachine = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  protocol: z.enum(MACHINE_PROTOCOLS),
  credentialMode: z.enum(CREDENTIAL_MODES),
  /** per_user: whether this person has saved their credentials for it. */
  credentialsSaved: z.boolean(),
  /** Why this person cannot connect now; for passthrough, also that this browser did not sign in with a directory password. */
  unavailable: z.optional(z.string()),
});
export type UserMachine = z.infer<typeof UserMachine>;

/** PUT /machines/:id/credentials: the person's own login for a per_user machine (stored encrypted, never shown again). */
export const MyCredentialsBody = z.strictObject({
  username: z.string().check(z.minLength(1), z.maxLength(256)),
  password: z.optional(z.string().check(z.maxLength(1024))),
  privateKey: z.optional(z.string().check(z.maxLength(16 * 1024))),
});
export type MyCredentialsBody = z.infer<typeof MyCredentialsBody>;

export const ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/machines',
    summary: 'Existing machines the signed-in person may connect to',
    audience: 'user',
    ok: { status: 200, schema: z.array(UserMachine) },
  },
  {
    method: 'put',
    path: '/machines/:id/credentials',
    summary: 'Save your own credentials for a machine that asks each person for theirs',
    audience: 'user',
    body: MyCredentialsBody,
    ok: { status: 204 },
    errors: { 404: ['not_found'], 409: ['credentials_not_per_user'] },
  },
  {
    method: 'delete',
    path: '/machines/:id/credentials',
    summary: 'Forget your saved credentials for a machine',
    audience: 'user',
    ok: { status: 204 },
    errors: { 404: ['not_found'] },
  },
  {
    method: 'get',
    path: '/admin/machines',
    audience: 'admin',
    summary: 'Every existing machine (secrets never shown)',
    ok: { status: 200, schema: z.array(MachineView) },
    errors: { 403: ['forbidden', mfaEnrol] },
  },
  {
    method: 'post',
    path: '/admin/machines',
    audience: 'admin',
    summary: 'Register an existing machine (RDP, VNC or SSH)',
    body: CreateMachineBody,
    ok: { status: 201, schema: MachineView },
    errors: { 403: ['forbidden', mfaEnrol], 409: ['machine_exists'] },
  },
  {
    method: 'patch',
    path: '/admin/machines/:id',
    audience: 'admin',
    summary: 'Change an existing machine (a secret left out is kept while address and port stay the same)',
    body: UpdateMachineBody,
    ok: { status: 200, schema: MachineView },
    errors: { 403: ['forbidden', mfaEnrol], 404: ['not_found'] },
  },
  {
    method: 'delete',
    path: '/admin/machines/:id',
    audience: 'admin',
    summary: 'Remove an existing machine (its live sessions end)',
    ok: { status: 204 },
    errors: { 403: ['forbidden', mfaEnrol], 404: ['not_found'] },
  },
];
