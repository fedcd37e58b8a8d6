// Desktops for the signed-in user, the helpdesk and shadowing (sessions, tickets, events, shadows): request and response schemas and the route descriptions of /api/v1 (contract/api/route.ts).
import type { RouteDoc } from './route.ts';

export const ROUTES: readonly RouteDoc[] = [];
