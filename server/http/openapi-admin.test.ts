// The generated OpenAPI document describes the administration routes of the contract.
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../contract/api/admin.ts';
import { buildOpenApiDocument } from './openapi.ts';

type Op = { responses: Record<string, { description: string }>; requestBody?: unknown; parameters?: { name: string; in: string }[] };

describe('openapi document: administration', () => {
  const doc = buildOpenApiDocument(ROUTES) as unknown as { paths: Record<string, Record<string, Op>> };
  const op = (path: string, method: string) => doc.paths[path]![method]!;

  it('has an operation for every admin route, with its success answer', () => {
    for (const r of ROUTES)
      expect(doc.paths[r.path.replace(/:(\w+)/g, '{$1}')]?.[r.method]?.responses[r.ok.status], `${r.method} ${r.path}`).toBeDefined();
  });

  it('names the conflicts of pools and hosts by status', () => {
    expect(op('/admin/pools', 'post').responses['409']!.description).toContain('name_taken');
    expect(op('/admin/pools/{id}', 'delete').responses['409']!.description).toContain('pool_in_use');
    expect(op('/admin/hosts/{id}', 'delete').responses['409']!.description).toContain('host_in_use');
    expect(op('/admin/hosts/{id}/drain', 'post').responses['409']!.description).toContain('host_offline');
    expect(op('/admin/pools', 'post').requestBody).toBeDefined();
  });

  it('lists the query of the audit log and the public openapi route', () => {
    expect(op('/admin/audit', 'get').parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['since', 'actor', 'action', 'limit', 'format']),
    );
    expect(op('/openapi.json', 'get').responses['401']).toBeUndefined();
  });
});
