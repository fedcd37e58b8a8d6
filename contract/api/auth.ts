// Signing in and out, one's own account, second factor, API tokens, identity providers, and the admin of users, groups, MFA and providers: request and response schemas and the route descriptions of /api/v1 (contract/api/route.ts).
import type { RouteDoc } from './route.ts';

export const ROUTES: readonly RouteDoc[] = [];
