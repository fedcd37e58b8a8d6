// The QMP client against a scripted QMP peer on a unix socket (a fake QEMU: only the protocol is under test;
// the driver's integration test talks to the real one).
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openQmp, QmpError, withQmp } from './qmp.ts';

const GREETING = '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": []}}\n';
let server: Server | undefined;
let dir = '';

/** A peer that greets (or not) and answers each line with script(command). */
async function peer(
  script: (cmd: { execute: string; arguments?: unknown }, s: Socket) => string | null,
  greeting = GREETING,
): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'qmp-'));
  const path = join(dir, 'qmp.sock');
  server = createServer((s) => {
    s.on('error', () => undefined); // the client hangs up on purpose in several tests
    s.write(greeting);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const reply = script(JSON.parse(buf.slice(0, nl)), s);
        buf = buf.slice(nl + 1);
        if (reply !== null) s.write(reply);
      }
    });
  });
  await new Promise<void>((r) => server?.listen(path, r));
  return path;
}

afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('QMP client (scripted peer)', () => {
  it('negotiates, skips events, and resolves a command’s return value', async () => {
    const path = await peer((c) =>
      c.execute === 'query-status'
        ? '{"event": "RESUME", "timestamp": {"seconds": 1, "microseconds": 0}}\n{"return": {"status": "running", "running": true}}\n'
        : '{"return": {}}\n',
    );
    expect(await withQmp(path, (q) => q.execute('query-status'))).toEqual({ status: 'running', running: true });
  });

  it('passes arguments and turns a QMP error into a QmpError with its class', async () => {
    const seen: unknown[] = [];
    const path = await peer((c) => {
      seen.push(c);
      return c.execute === 'set_password' ? '{"error": {"class": "GenericError", "desc": "Could not set password"}}\n' : '{"return": {}}\n';
    });
    const err = await withQmp(path, (q) => q.execute('set_password', { protocol: 'vnc', password: 'x' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmpError);
    expect(err).toMatchObject({ message: 'QMP set_password failed: Could not set password', errorClass: 'GenericError' });
    expect(seen).toEqual([{ execute: 'qmp_capabilities' }, { execute: 'set_password', arguments: { protocol: 'vnc', password: 'x' } }]);
  });

  it('refuses a peer that is not QMP, a line that is not JSON, and one over the length cap', async () => {
    await expect(openQmp(await peer(() => null, '{"hello": 1}\n'))).rejects.toThrow(/is not a QMP socket/);
    await new Promise((r) => server?.close(r));
    await rm(dir, { recursive: true, force: true });
    await expect(openQmp(await peer(() => 'not json\n'))).rejects.toThrow(/not JSON/);
    await new Promise((r) => server?.close(r));
    await rm(dir, { recursive: true, force: true });
    await expect(openQmp(await peer(() => `{"return": "${'x'.repeat(1_100_000)}`))).rejects.toThrow(/over 1048576 bytes/);
  });

  it('times out on a silent peer and on a socket nobody serves', async () => {
    await expect(openQmp(await peer(() => null, ''), 200)).rejects.toThrow(/QMP greeting timed out after 200 ms/);
    await expect(openQmp(join(dir, 'nobody.sock'), 200)).rejects.toThrow(/QMP connection failed|ENOENT/);
  });
});
