import express from 'express';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../log.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import { conflict, fromZod, throttled } from '../errors.ts';
import type { Server } from 'node:http';

const logged: string[] = [];
const log = createLogger({
  level: 'error',
  destination: new Writable({ write: (chunk: Buffer, _enc, done) => void (logged.push(chunk.toString()), done()) }),
});

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(express.json({ limit: 100 }));
  app.get('/conflict', () => {
    throw conflict('pool_full', 'The pool is full.');
  });
  app.get('/throttled', () => {
    throw throttled(12.2, 'Slow down.');
  });
  app.post('/zod', (req) => {
    const r = z.object({ poolId: z.string(), n: z.number() }).strict().safeParse(req.body);
    if (!r.success) throw fromZod(r.error);
  });
  app.get('/boom', () => {
    throw new Error('secret internal detail at /srv/x.ts:12');
  });
  app.get('/item/:id', (req, res) => void res.json({ id: req.params.id }));
  app.get('/library/:status', (req) => {
    // What libraries throw: an Error with a status (http-errors sets both status and statusCode).
    const status = Number(req.params.status);
    throw Object.assign(
      new Error(`ENOENT: /srv/deskport/client/dist/${status} at send.js:12`),
      req.query.only === 'statusCode' ? { statusCode: status } : { status, statusCode: status },
    );
  });
  app.use(notFoundHandler());
  app.use(errorHandler(log));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const get = async (path: string, init?: RequestInit) => {
  const res = await fetch(base + path, init);
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    retry: res.headers.get('retry-after'),
    body: (await res.json()) as { error: { code: string; message: string; details?: unknown } },
  };
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
    expect(await post('/zod', JSON.stringify({ poolId: 'x'.repeat(200) }))).toMatchObject({
      status: 413,
      body: { error: { code: 'body_too_large' } },
    });
  });
  it('an unexpected error is a 500 without internals', async () => {
    const r = await get('/boom');
    expect(r.status).toBe(500);
    expect(r.type).toMatch(/application\/json/);
    expect(JSON.stringify(r.body)).not.toMatch(/secret internal|\.ts:/);
  });
  it('a bad percent-encoding in a path parameter is a 400, not a 500', async () => {
    const r = await get('/item/%ff');
    expect(r).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_input', message: expect.stringMatching(/percent-encoding/) } },
    });
    expect(JSON.stringify(r.body)).not.toMatch(/Failed to decode|%ff/);
    expect((await get('/item/%e2%82%ac')).status).toBe(200);
  });
  it('a body that lies about its Content-Encoding is a 400; a real gzip body is read', async () => {
    const lying = await get('/zod', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: '{"poolId":"p","n":1}',
    });
    expect(lying).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_input', message: expect.stringMatching(/Content-Encoding/) } },
    });
    expect(JSON.stringify(lying.body)).not.toMatch(/incorrect header|Z_/);
    const real = await fetch(`${base}/zod`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync('{"poolId":1}'),
    });
    expect(real.status).toBe(400); // read and validated: the zod 400, with the field named
    expect(JSON.stringify(await real.json())).toMatch(/poolId/);
  });
  it('an unknown Content-Encoding or charset is a 415', async () => {
    for (const headers of [{ 'content-encoding': 'bogus' }, { 'content-type': 'application/json; charset=latin1' }] as Record<
      string,
      string
    >[]) {
      const r = await get('/zod', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
      expect(r).toMatchObject({ status: 415, type: expect.stringMatching(/json/), body: { error: { code: 'unsupported_encoding' } } });
    }
  });
  it('any other library error keeps its 4xx status, with our message, not the library’s', async () => {
    for (const [path, status, code] of [
      ['/library/404', 404, 'not_found'],
      ['/library/416', 416, 'invalid_input'],
      ['/library/405?only=statusCode', 405, 'method_not_allowed'],
    ] as const) {
      const r = await get(path);
      expect(r, path).toMatchObject({ status, body: { error: { code } } });
      expect(JSON.stringify(r.body)).not.toMatch(/ENOENT|srv|send\.js/);
    }
  });
  it('a 5xx from a library is still "internal", and logged', async () => {
    logged.length = 0;
    const r = await get('/library/503');
    expect(r).toMatchObject({ status: 500, body: { error: { code: 'internal' } } });
    expect(logged.join('')).toMatch(/unhandled error/);
  });
  it('unknown endpoints are JSON 404s, never HTML', async () => {
    expect(await get('/nope')).toMatchObject({ status: 404, type: expect.stringMatching(/json/), body: { error: { code: 'not_found' } } });
  });
});
