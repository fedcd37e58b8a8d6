// An existing SSH machine shown in the browser's protocol end to end, with real parts: a machine an
// admin registers (shared account, private key kept in the vault), a real OpenSSH server on a
// loopback port (its own config and host key), the embedded agent dialling it (stream.connect), the
// gateway's one-connection forward, a real guacd and a Guacamole client in Node on /ws/rdp. A
// command typed into the terminal runs on the server (checked by the file it creates), so the
// credentials reached guacd server-side; the browser side never saw them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/xvnc.ts';
import { ADMIN_PASSWORD, signIn, startTestGateway, type Api, type TestGateway } from '../helpers/gateway.ts';
import { GuacClient } from '../helpers/guac-client.ts';
import { startGuacd, type GuacdProcess } from '../helpers/guacd-process.ts';

const PRIVSEP_DIR = '/run/sshd'; // sshd as root insists on it; Debian's service creates it at boot

let t: TestGateway;
let guacd: GuacdProcess;
let admin: Api;
let dir: string;
let sshPort: number;
let sshd: ChildProcess | undefined;
let createdPrivsep = false;
let privateKey: string;
const clients: GuacClient[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deskport-ssh-machine-'));
  const hostKey = join(dir, 'host_ed25519');
  const userKey = join(dir, 'user_ecdsa');
  expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]).status).toBe(0);
  // guacd's libssh2 reads PEM keys and signs RSA only with SHA-1, which OpenSSH 9 refuses: ECDSA.
  expect(spawnSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-b', '256', '-m', 'PEM', '-N', '', '-f', userKey]).status).toBe(0);
  privateKey = readFileSync(userKey, 'utf8');
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${userKey}.pub`));
  sshPort = await freePort();
  const user = process.env.USER ?? 'root';
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `HostKey ${hostKey}`,
      'ListenAddress 127.0.0.1',
      `PidFile ${join(dir, 'sshd.pid')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${user}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      '',
    ].join('\n'),
  );
  if (!existsSync(PRIVSEP_DIR)) {
    mkdirSync(PRIVSEP_DIR, { mode: 0o755 });
    createdPrivsep = true;
  }
  sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config'), '-p', String(sshPort)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`sshd not listening in 10 s: ${out}`)), 10_000);
    sshd!.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/Server listening on 127\.0\.0\.1/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    sshd!.once('exit', (code) => reject(new Error(`sshd exited (${code}): ${out}`)));
  });
  guacd = await startGuacd();
  t = await startTestGateway({ guacd: guacd.guacd });
  admin = await signIn(t.url, 'admin', ADMIN_PASSWORD);
}, 90_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await t?.cleanup();
  await guacd?.kill();
  if (sshd?.pid !== undefined && sshd.exitCode === null) {
    const gone = new Promise((r) => sshd!.once('exit', r));
    try {
      process.kill(-sshd.pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
    await gone;
  }
  if (createdPrivsep) rmSync(PRIVSEP_DIR, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('an existing SSH machine through /ws/rdp', () => {
  it('shows the terminal, runs what is typed with the vault’s key, and never hands the key out', async () => {
    const hosts = (await admin.get('/api/v1/admin/hosts')).body as { id: string }[];
    const m = await admin.post('/api/v1/admin/machines', {
      name: 'Loopback SSH',
      protocol: 'ssh',
      address: '127.0.0.1',
      port: sshPort,
      hostId: hosts[0]!.id,
      credentialMode: 'shared',
      username: process.env.USER ?? 'root',
      privateKey,
    });
    expect(m.status).toBe(201);
    expect(JSON.stringify(m.body)).not.toContain('PRIVATE KEY');
    const s = await admin.post('/api/v1/sessions', { machineId: (m.body as { id: string }).id });
    expect(s.status).toBe(201);
    const sessionId = (s.body as { session: { id: string; protocol: string } }).session.id;
    const tk = await admin.post(`/api/v1/sessions/${sessionId}/tickets`, { mode: 'control' });
    expect(tk.status).toBe(201);
    const ticket = tk.body as { url: string; protocol: string };
    expect(ticket.protocol).toBe('ssh');
    expect(ticket.url).toMatch(/^\/ws\/rdp\?token=/);

    const c = await GuacClient.open(t.url, ticket.url);
    clients.push(c);
    await c.firstImage().catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(await c.closed)} ${JSON.stringify(c.received.slice(-5))}`);
    });
    const marker = join(dir, 'ssh-typed');
    const deadline = Date.now() + 15_000;
    while (!existsSync(marker) && Date.now() < deadline) {
      c.type(`touch ${marker}\n`);
      for (let i = 0; i < 20 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 100));
    }
    expect(existsSync(marker)).toBe(true);
    expect(c.received.some((i) => i.args.some((a) => a.includes('PRIVATE KEY')))).toBe(false);
    c.close();
  }, 60_000);
});
