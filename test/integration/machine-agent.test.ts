// An existing machine reached the way production reaches it: a separate `bin/deskport agent` process
// with `--targets 127.0.0.1/32` dials a real OpenSSH server (its own config and host key, on a
// loopback port) for a machine session, and the gateway's stream carries the SSH banner; a machine
// outside the agent's networks is refused with target_not_allowed. Every process runs in its own
// process group, killed after the tests (also on failure).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { startSshd, type TestSshd } from '../helpers/sshd.ts';

const BIN = join(process.cwd(), 'bin/deskport');

let t: TestGateway;
let admin: Api;
let dir: string;
let hostId: string;
let sshd: TestSshd | undefined;
const groups: ChildProcess[] = [];

/** Spawns a process group leader; resolves when `ready` appears in its output (or rejects with that output). */
function start(cmd: string, args: string[], ready: RegExp, env: NodeJS.ProcessEnv = process.env): Promise<RegExpExecArray> {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  groups.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} not ready in 20 s: ${out}`)), 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited (${code}): ${out}`));
    });
  });
}

/** The agent process (enrolled once; later starts use the credential kept in its state dir). */
const startAgent = (extra: string[] = []) =>
  start(
    BIN,
    ['agent', '--gateway', t.url, '--name', 'machine-agent', '--state', join(dir, 'agent'), '--targets', '127.0.0.1/32', ...extra],
    /as host (\S+)/,
    { ...process.env, DESKPORT_LOG_LEVEL: 'warn' },
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deskport-machine-agent-'));
  // The SSH server: its own host key and config, loopback only (the test needs its banner only).
  sshd = await startSshd();

  t = await startTestGateway({ embeddedAgent: false });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
  const token = ((await admin.post('/api/v1/admin/hosts/enrollments')).body as { token: string }).token;
  const m = await startAgent(['--enroll', token]);
  hostId = m[1]!;
}, 60_000);

afterAll(async () => {
  for (const c of groups) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const gone = new Promise((r) => c.once('exit', r));
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
    await gone;
  }
  await t?.cleanup();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function machineSession(name: string, address: string): Promise<string> {
  const m = await admin.post('/api/v1/admin/machines', {
    name,
    protocol: 'ssh',
    address,
    port: sshd!.port,
    hostId,
    credentialMode: 'none',
  });
  expect(m.status).toBe(201);
  expect((m.body as { unavailable?: string }).unavailable).toBeUndefined(); // the agent process is connected and online
  const s = await admin.post('/api/v1/sessions', { machineId: (m.body as { id: string }).id });
  expect(s.status).toBe(201);
  return (s.body as { session: { id: string } }).session.id;
}

/** Polls `ok` (an HTTP read of state the gateway changes on an agent event) until true, or fails after 20 s. */
async function until(ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error('condition not met within 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The first bytes the target sends through the agent's stream. */
function firstBytes(ws: WebSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const timer = setTimeout(() => reject(new Error(`no banner in 10 s (got ${JSON.stringify(got)})`)), 10_000);
    ws.on('message', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\n')) {
        clearTimeout(timer);
        resolve(got);
      }
    });
    ws.once('close', () => reject(new Error(`stream closed before a banner (got ${JSON.stringify(got)})`)));
  });
}

describe('an existing machine through a separate agent process', () => {
  it('the gateway gets the SSH server’s banner through the agent’s dial-back stream', async () => {
    const sessionId = await machineSession('loopback ssh', '127.0.0.1');
    const { connection, stream } = await t.gw.machines.open(sessionId);
    try {
      expect(connection).toEqual({ hostId, target: { address: '127.0.0.1', port: sshd!.port }, protocol: 'ssh', settings: {} });
      expect(await firstBytes(stream)).toMatch(/^SSH-2\.0-OpenSSH_[^\r\n]+\r\n$/);
    } finally {
      stream.close();
    }
  });

  it('a machine session is lost while its agent is gone and ready again when the agent returns', async () => {
    const sessionId = await machineSession('comes back', '127.0.0.1');
    const state = async () => ((await admin.get(`/api/v1/sessions/${sessionId}`)).body as { session: { state: string } }).session.state;
    const agent = groups.find((c) => c.spawnfile === BIN && c.exitCode === null)!;
    const exited = new Promise((r) => agent.once('exit', r));
    process.kill(-agent.pid!, 'SIGKILL');
    await exited;
    await until(async () => (await state()) === 'lost');
    await startAgent();
    await until(async () => (await state()) === 'ready');
    const { stream } = await t.gw.machines.open(sessionId);
    try {
      expect(await firstBytes(stream)).toMatch(/^SSH-2\.0-/);
    } finally {
      stream.close();
    }
  });

  it('bytes the gateway sends right as the stream opens reach the target (a client that speaks first, like RDP)', async () => {
    const echo = createServer((c) => c.pipe(c));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    try {
      const port = (echo.address() as AddressInfo).port;
      const m = await admin.post('/api/v1/admin/machines', {
        name: 'echo',
        protocol: 'ssh',
        address: '127.0.0.1',
        port,
        hostId,
        credentialMode: 'none',
      });
      const s = await admin.post('/api/v1/sessions', { machineId: (m.body as { id: string }).id });
      const sessionId = (s.body as { session: { id: string } }).session.id;
      // Ten times: the frame often arrives at the agent in the same read as the upgrade answer.
      for (let i = 0; i < 10; i++) {
        const { stream } = await t.gw.machines.open(sessionId);
        stream.send(Buffer.from(`hello ${i}\n`));
        expect(await firstBytes(stream)).toBe(`hello ${i}\n`);
        stream.close();
      }
    } finally {
      echo.close();
    }
  });

  it('a machine outside the agent’s --targets is refused by the agent with target_not_allowed', async () => {
    const sessionId = await machineSession('outside targets', '127.0.0.2');
    const err = await t.gw.machines.open(sessionId).then(
      () => null,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(err?.code).toBe('target_not_allowed');
    expect(err?.message).toContain('127.0.0.1/32');
  });
});
