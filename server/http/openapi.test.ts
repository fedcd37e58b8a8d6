// The generated OpenAPI document describes the desktop, helpdesk and shadow routes of the contract.
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../contract/api/desktops.ts';
import { buildOpenApiDocument } from './openapi.ts';

type Op = {
  responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, unknown> }> }>;
  requestBody?: unknown;
};

describe('openapi document', () => {
  const doc = buildOpenApiDocument(ROUTES) as unknown as { paths: Record<string, Record<string, Op>> };

  it('has an operation for every desktop route, with its success answer', () => {
    for (const r of ROUTES) {
      const op = doc.paths[r.path.replace(/:(\w+)/g, '{$1}')]?.[r.method];
      expect(op, `${r.method} ${r.path}`).toBeDefined();
      expect(op!.responses[r.ok.status]).toBeDefined();
    }
  });

  it('names the error codes of a launch by status', () => {
    const launch = doc.paths['/sessions']!.post!;
    expect(launch.responses['409']!.description).toContain('limit_reached');
    expect(launch.responses['409']!.description).toContain('pool_full');
    expect(launch.responses['503']!.description).toContain('no_capacity');
    expect(launch.requestBody).toBeDefined();
  });

  it('describes the event stream as text/event-stream with its refusal', () => {
    const events = doc.paths['/sessions/{id}/events']!.get!;
    expect(Object.keys(events.responses['200']!.content!)).toEqual(['text/event-stream']);
    expect(events.responses['429']!.description).toContain('too_many_streams');
  });

  it('gives the session schema with its states', () => {
    const schema = doc.paths['/sessions/{id}']!.get!.responses['200']!.content!['application/json']!.schema as {
      properties: { session: { properties: { state: { enum: string[] } } } };
    };
    expect(schema.properties.session.properties.state.enum).toContain('lost');
  });
});
