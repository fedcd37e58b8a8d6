// Administration of pools, hosts, all sessions, the audit log and metrics history: request and response schemas and the route descriptions of /api/v1 (contract/api/route.ts).
import type { RouteDoc } from './route.ts';

export const ROUTES: readonly RouteDoc[] = [];
