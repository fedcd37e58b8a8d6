// /api/v1/openapi.json, generated from the contract's route descriptions and schemas
// (contract/api/routes.ts): every route, its body or query, its answer and its error codes.
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import type { RouteDoc } from '../../contract/api/route.ts';
import { API_ROUTES } from '../../contract/api/routes.ts';
import { ErrorBody } from '../../contract/errors.ts';
import { ID_PATTERN } from '../../contract/ids.ts';

type Json = Record<string, unknown>;
const jsonSchema = (s: z.core.$ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Json;
  return rest;
};
const content = (schema: Json, type = 'application/json') => ({ content: { [type]: { schema } } });
const errorRef = { $ref: '#/components/schemas/Error' };

function operation(r: RouteDoc): Json {
  const responses: Json = {};
  responses[r.ok.status] = {
    description: STATUS_CODES[r.ok.status] ?? 'OK',
    ...(r.ok.schema ? content(jsonSchema(r.ok.schema, 'output')) : r.ok.contentType ? content({ type: 'string' }, r.ok.contentType) : {}),
  };
  const errors: Partial<Record<number, readonly string[]>> = {
    ...(r.body || r.query || r.path.includes(':') ? { 400: ['invalid_input'] } : {}),
    ...(r.audience === 'public' ? {} : { 401: ['unauthorized'] }),
    ...r.errors,
  };
  for (const [status, codes] of Object.entries(errors))
    responses[status] = { description: `${STATUS_CODES[Number(status)] ?? 'Error'}: ${codes!.join(', ')}`, ...content(errorRef) };
  const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: ID_PATTERN.source },
  }));
  const query = r.query
    ? Object.entries((jsonSchema(r.query, 'input').properties ?? {}) as Record<string, Json>).map(([name, schema]) => ({
        name,
        in: 'query',
        required: false,
        schema,
      }))
    : [];
  return {
    summary: r.summary,
    ...(r.description ? { description: r.description } : {}),
    'x-audience': r.audience,
    ...(r.audience === 'public' ? { security: [] } : {}),
    ...(params.length + query.length ? { parameters: [...params, ...query] } : {}),
    ...(r.body ? { requestBody: { required: true, ...content(jsonSchema(r.body, 'input')) } } : {}),
    responses,
  };
}

export function buildOpenApiDocument(routes: readonly RouteDoc[] = API_ROUTES) {
  const paths: Record<string, Json> = {};
  for (const r of routes) (paths[r.path.replace(/:(\w+)/g, '{$1}')] ??= {})[r.method] = operation(r);
  return {
    openapi: '3.1.0',
    info: { title: 'Deskport API', version: '1' },
    servers: [{ url: '/api/v1' }],
    components: {
      securitySchemes: { cookie: { type: 'apiKey', in: 'cookie', name: 'deskport_session' }, bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: jsonSchema(ErrorBody, 'output') },
    },
    security: [{ cookie: [] }, { bearer: [] }],
    paths,
  };
}

export const openApiDocument = buildOpenApiDocument();
