// The shape in which every HTTP route of /api/v1 is described once: method, path, who may call it,
// its request body or query, its answer and the error codes it can give. The gateway validates with
// these schemas and generates /api/v1/openapi.json from them; the browser decodes answers with them.
import type { z } from 'zod/mini';

export type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';
/** Who may call a route: anyone, a signed-in person, or a role. */
export type Audience = 'public' | 'user' | 'helpdesk' | 'admin';

export interface RouteDoc {
  method: Method;
  /** Relative to /api/v1, in express style: `/sessions/:id`. */
  path: string;
  summary: string;
  description?: string;
  audience: Audience;
  body?: z.ZodMiniType;
  query?: z.ZodMiniType;
  /** The success answer: status, and the schema of its JSON body (none for 204 or a stream). */
  ok: { status: number; schema?: z.ZodMiniType; contentType?: string };
  /** Error answers the route gives on purpose, by status: their stable codes. 401/400 of the edge are implied. */
  errors?: Partial<Record<number, readonly string[]>>;
}

export const route = (doc: RouteDoc): RouteDoc => doc;
