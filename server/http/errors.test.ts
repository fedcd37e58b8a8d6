import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { silentLogger } from '../log.ts';
import { conflict, errorHandler, fromZod, notFoundHandler, tooMany } from './errors.ts';
import type { Server } from 'node:http';

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(express.json({ limit: 100 }));
  app.get('/conflict', () => {
    throw conflict('pool_full', 'The pool is full.');
  });
  app.get('/throttled', () => {
    throw tooMany(12.2, 'Slow down.');
  });
  app.post('/zod', (req) => {
    const r = z.object({ poolId: z.string(), n: z.number() }).strict().safeParse(req.body);
    if (!r.success) throw fromZod(r.error);
  });
  app.get('/boom', () => {
    throw new Error('secret internal detail at /srv/x.ts:12');
  });
  app.use(notFoundHandler());
  app.use(errorHandler(silentLogger()));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const get = async (path: string, init?: RequestInit) => {
  const res = await fetch(base + path, init);
  return { status: res.status, type: res.headers.get('content-type'), retry: res.headers.get('retry-after'), body: (await res.json()) as { error: { code: string; message: string; details?: unknown } } };
};
const post = (path: string, body: string) => get(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('the one error shape', () => {
  it('an HttpError keeps its status and code', async () => {
    expect(await get('/conflict')).toMatchObject({ status: 409, body: { error: { code: 'pool_full', message: 'The pool is full.' } } });
  });
  it('429 carries Retry-After rounded up', async () => {
    expect(await get('/throttled')).toMatchObject({ status: 429, retry: '13', body: { error: { code: 'throttled' } } });
  });
  it('zod failures list every field', async () => {
    const r = await post('/zod', '{"poolId":1,"extra":true}');
    expect(r.status).toBe(400);
    const fields = (r.body.error.details as { field: string }[]).map((d) => d.field).sort();
    expect(fields).toEqual(['(root)', 'n', 'poolId']);
  });
  it('malformed JSON and oversized bodies get their own codes', async () => {
    expect(await post('/zod', '{"poolId":')).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } });
    expect(await post('/zod', JSON.stringify({ poolId: 'x'.repeat(200) }))).toMatchObject({ status: 413, body: { error: { code: 'body_too_large' } } });
  });
  it('an unexpected error is a 500 without internals', async () => {
    const r = await get('/boom');
    expect(r.status).toBe(500);
    expect(r.type).toMatch(/application\/json/);
    expect(JSON.stringify(r.body)).not.toMatch(/secret internal|\.ts:/);
  });
  it('unknown endpoints are JSON 404s, never HTML', async () => {
    expect(await get('/nope')).toMatchObject({ status: 404, type: expect.stringMatching(/json/), body: { error: { code: 'not_found' } } });
  });
});
