// Request-body schemas of the auth and admin API: input is validated once here, at the edge, and
// handlers receive typed values.
import { z } from 'zod';
import type { Role } from '../store/types.ts';

export const username = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9._@-]+$/, 'may contain only letters, digits and . _ @ -');
// The floor every configuration keeps; the configurable length and content rules live in
// password-policy.ts (they need the username and the config at hand).
export const password = z.string().min(8, 'must be at least 8 characters').max(256, 'must be at most 256 characters');
// Empty means "use the username" (the admin form leaves it blank).
const displayName = z.string().trim().max(128, 'must be at most 128 characters');
const roles = z
  .array(z.enum(['user', 'helpdesk', 'admin'] satisfies Role[]))
  .max(3)
  .transform((rs): Role[] => [...new Set(rs)]);
/** Group ids or names; resolved against the store by the handler. */
const groups = z.array(z.string().min(1).max(128)).max(100);

// Sign-in is lenient on shape (extra fields ignored) but bounds lengths: argon2 on a megabyte of
// "password" is a cheap way to burn our CPU.
export const loginBody = z.object({
  username: z.string().min(1, 'must not be empty').max(256),
  password: z.string().min(1, 'must not be empty').max(1024),
  otp: z.string().max(32).optional(),
  /** After a good one-time code: skip the code on this browser for the policy's rememberDays. */
  remember: z.boolean().optional(),
});

const code = z.string().trim().min(1, 'must not be empty').max(32, 'must be at most 32 characters');

/** Local accounts confirm their password before a new secret is shown. */
export const totpSetupBody = z.object({ password: z.string().max(1024).optional() }).strict();
export const totpConfirmBody = z.object({ code }).strict();
/** Turning TOTP off needs the password or a current code (or a recovery code). */
export const totpDisableBody = z
  .object({ password: z.string().max(1024).optional(), code: code.optional() })
  .strict()
  .refine((b) => b.password !== undefined || b.code !== undefined, { message: 'give your password or a current code', path: ['password'] });

export const mfaPolicyBody = z
  .object({
    requiredRoles: roles,
    requiredGroups: groups,
    rememberDays: z.number().int().min(0, 'must be 0 (never) or more').max(365, 'must be at most 365'),
  })
  .strict();

export const createTokenBody = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();

export const createUserBody = z
  .object({ username, password, displayName: displayName.optional(), roles: roles.optional(), groups: groups.optional() })
  .strict();

export const patchUserBody = z
  .object({ displayName: displayName.optional(), password: password.optional(), roles: roles.optional(), groups: groups.optional(), disabled: z.boolean().optional() })
  .strict();

export const createGroupBody = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters'),
    description: z.string().max(500).default(''),
  })
  .strict();

export const changePasswordBody = z
  .object({ currentPassword: z.string().max(1024), newPassword: password })
  .strict();
