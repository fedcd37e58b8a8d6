import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerClientError } from './client-error.ts';

let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((_req, res) => void res.end('ok'));
  server.on('clientError', answerClientError);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise((r) => server.close(r)));

/** Writes raw bytes on a fresh connection and returns everything the server sent until it closed. */
function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (c: Buffer) => (got += c.toString()));
    s.on('close', () => resolve(got));
    s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? resolve(got) : reject(e)));
    s.write(request);
  });
}

const bodyOf = (response: string) =>
  JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { error: { code: string; message: string } };

describe('requests Node refuses before the app sees them', () => {
  it('headers over the limit get 431 in the error shape', async () => {
    const r = await raw(`GET /api/v1/me HTTP/1.1\r\nHost: x\r\nCookie: a=${'b'.repeat(40_000)}\r\n\r\n`);
    expect(r).toMatch(/^HTTP\/1\.1 431 /);
    expect(r).toMatch(/content-type: application\/json/i);
    expect(bodyOf(r).error.code).toBe('headers_too_large');
  });
  it('a malformed request line gets 400 in the error shape', async () => {
    const r = await raw('NOT HTTP AT ALL\r\n\r\n');
    expect(r).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(r).error).toMatchObject({ code: 'invalid_input', message: expect.any(String) });
  });
  it('the server keeps serving afterwards', async () => {
    expect(await raw('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(/200 OK[\s\S]*ok$/);
  });
});
