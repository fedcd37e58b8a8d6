// A real OpenSSH server for tests: its own host key and config, on a loopback port, in its own process
// group; stop() kills it and removes what it created. `passwords: true` lets it try password logins
// (no PAM: the system's password database decides, so any made-up password is refused).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './xvnc.ts';

const PRIVSEP_DIR = '/run/sshd'; // sshd as root insists on it; Debian's service creates it at boot

export interface SshdHandle {
  port: number;
  user: string;
  stop(): Promise<void>;
}

export async function startSshd(o: { passwords?: boolean; authorizedKeys?: string } = {}): Promise<SshdHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'deskport-sshd-'));
  const hostKey = join(dir, 'host_ed25519');
  if (spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]).status !== 0) throw new Error('ssh-keygen failed');
  if (o.authorizedKeys) writeFileSync(join(dir, 'authorized_keys'), o.authorizedKeys);
  const port = await freePort();
  const user = process.env.USER ?? 'root';
  const yes = (b: boolean | undefined) => (b ? 'yes' : 'no');
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `HostKey ${hostKey}`,
      'ListenAddress 127.0.0.1',
      `PidFile ${join(dir, 'sshd.pid')}`,
      'StrictModes no',
      'UsePAM no',
      `PasswordAuthentication ${yes(o.passwords)}`,
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      `PermitRootLogin ${o.passwords ? 'yes' : 'prohibit-password'}`,
      `AllowUsers ${user}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      '',
    ].join('\n'),
  );
  let createdPrivsep = false;
  if (!existsSync(PRIVSEP_DIR)) {
    mkdirSync(PRIVSEP_DIR, { mode: 0o755 });
    createdPrivsep = true;
  }
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config'), '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid, 'SIGKILL');
        await gone;
      } catch {
        /* gone meanwhile */
      }
    }
    if (createdPrivsep) rmSync(PRIVSEP_DIR, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`sshd not listening in 10 s: ${out}`)), 10_000);
      child.stderr!.on('data', (d: Buffer) => {
        out = (out + d.toString()).slice(-4000);
        if (/Server listening on 127\.0\.0\.1/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`sshd exited (${code}): ${out}`));
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, user, stop };
}
