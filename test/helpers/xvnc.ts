// Starts a real Xvnc (TigerVNC) on a free display and loopback port for integration tests, with a
// VncAuth password file, and stops it by PID, also when a test failed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface XvncHandle {
  display: number;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function freeDisplay(): number {
  for (let i = 0; i < 200; i++) {
    const n = 200 + Math.floor(Math.random() * 700);
    if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`)) return n;
  }
  throw new Error('no free X display number');
}

/** Resolves when the port answers with an RFB banner (a listening socket alone is not enough). */
async function waitForRfb(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      const t = setTimeout(() => (s.destroy(), resolve(false)), 1000);
      s.once('data', (d) => (clearTimeout(t), s.destroy(), resolve(d.toString('latin1').startsWith('RFB '))));
      s.once('error', () => (clearTimeout(t), resolve(false)));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Xvnc did not answer on port ${port} within ${timeoutMs} ms`);
}

export async function startXvnc(password: string, geometry = '1024x768'): Promise<XvncHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'deskport-xvnc-'));
  const pwResult = spawnSync('vncpasswd', ['-f'], { input: `${password}\n` });
  if (pwResult.status !== 0) throw new Error(`vncpasswd failed: ${pwResult.stderr.toString()}`);
  const passwordFile = join(dir, 'passwd');
  writeFileSync(passwordFile, pwResult.stdout, { mode: 0o600 });
  const display = freeDisplay();
  const port = await freePort();
  const args = [
    `:${display}`,
    '-rfbport',
    String(port),
    '-localhost',
    '-nolisten',
    'tcp',
    '-SecurityTypes',
    'VncAuth',
    '-PasswordFile',
    passwordFile,
    '-AlwaysShared',
    '-geometry',
    geometry,
    '-depth',
    '24',
    '-desktop',
    'deskport-test',
  ];
  const child: ChildProcess = spawn('Xvnc', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const pid = child.pid;
  if (pid === undefined) throw new Error('Xvnc did not start');
  writeFileSync(join(dir, 'xvnc.pid'), String(pid));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(pid, 'SIGTERM');
      const t = setTimeout(() => child.exitCode === null && process.kill(pid, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitForRfb(port, 10_000);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return { display, port, pid, stop };
}
