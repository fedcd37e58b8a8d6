// The contract documents what the gateway serves, no more and no less: every route of /api/v1 has a
// description in contract/api/ (and so an entry in /api/v1/openapi.json with its body and answers),
// and every description names a route that exists.
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../contract/api/routes.ts';
import { signIn, ADMIN_PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { listRoutes } from '../helpers/routes.ts';

let t: TestGateway;
let served: string[];
const PREFIX = '/api/v1';

beforeAll(async () => {
  t = await startTestGateway({ embeddedAgent: false });
  served = listRoutes(t.gw.server.listeners('request')[0] as Express)
    .filter((r) => typeof r.path === 'string' && r.path.startsWith(`${PREFIX}/`) && r.method !== 'HEAD')
    .map((r) => `${r.method} ${(r.path as string).slice(PREFIX.length)}`);
});
afterAll(async () => t?.cleanup());

const documented = () => API_ROUTES.map((r) => `${r.method.toUpperCase()} ${r.path}`);

describe('the API contract', () => {
  it('finds the routes the gateway serves (so the checks below can fail)', () => {
    expect(served).toContain('POST /sessions');
    expect(served.length).toBeGreaterThan(50);
  });

  it('describes every route the gateway serves', () => {
    const have = new Set(documented());
    expect(served.filter((r) => !have.has(r))).toEqual([]);
  });

  it('describes only routes the gateway serves, each once', () => {
    const serving = new Set(served);
    expect(documented().filter((r) => !serving.has(r))).toEqual([]);
    expect(documented().filter((r, i, all) => all.indexOf(r) !== i)).toEqual([]);
  });

  it('serves every described route in /api/v1/openapi.json, with its body and answer schemas', async () => {
    const api = await signIn(t.url, 'admin', ADMIN_PASSWORD);
    const doc = (await api.get(`${PREFIX}/openapi.json`)).body as {
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, { content?: unknown }> }>>;
    };
    for (const r of API_ROUTES) {
      const op = doc.paths[r.path.replace(/:(\w+)/g, '{$1}')]?.[r.method];
      expect(op, `${r.method} ${r.path}`).toBeDefined();
      expect(Boolean(op!.requestBody), `${r.method} ${r.path} request body`).toBe(Boolean(r.body));
      expect(Boolean(op!.responses[r.ok.status]?.content), `${r.method} ${r.path} answer`).toBe(Boolean(r.ok.schema || r.ok.contentType));
    }
  });
});
