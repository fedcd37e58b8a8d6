// Signing in and out, one's own account, second factor, API tokens, identity providers, and the admin of users, groups, MFA and providers: request and response schemas and the route descriptions of /api/v1 (contract/api/route.ts).
import { z } from 'zod/mini';
import type { RouteDoc } from './route.ts';

// No code at all asks only whether this browser is remembered.
export const OidcCodeBody = z.strictObject({ otp: z.optional(z.string().check(z.maxLength(32))), remember: z.optional(z.boolean()) });

export const ROUTES: readonly RouteDoc[] = [];
