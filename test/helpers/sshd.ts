// A real OpenSSH server for tests: its own config, host key and authorized ECDSA user key in a
// temporary folder, listening on a free loopback port, in its own process group so stop() (or a
// failed test's cleanup) leaves nothing behind. The user is whoever runs the tests. `passwords: true`
// lets it try password logins too (no PAM: the system's password database decides, so any made-up
// password is refused).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './xvnc.ts';

const PRIVSEP_DIR = '/run/sshd'; // sshd as root insists on it; Debian's service creates it at boot

export interface TestSshd {
  port: number;
  /** The test's folder: files a typed command writes can go here. */
  dir: string;
  user: string;
  /** The authorized user key, PEM (guacd's libssh2 reads PEM; it signs RSA only with SHA-1, which OpenSSH 9 refuses: ECDSA). */
  privateKey: string;
  stop(): Promise<void>;
}
export type SshdHandle = TestSshd;

/**
 * Runs an sshd command line (sshd itself, or a wrapper that execs it) as the leader of its own process
 * group until it listens on loopback; stop() kills the group and removes the privilege-separation
 * folder if this made it. On failure everything is stopped before the error is thrown.
 */
export async function runSshd(command: string, args: string[]): Promise<{ stop(): Promise<void> }> {
  let createdPrivsep = false;
  if (!existsSync(PRIVSEP_DIR)) {
    mkdirSync(PRIVSEP_DIR, { mode: 0o755 });
    createdPrivsep = true;
  }
  const child: ChildProcess = spawn(command, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const stop = async (): Promise<void> => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
      await gone;
    }
    if (createdPrivsep) rmSync(PRIVSEP_DIR, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`sshd not listening in 10 s: ${out}`)), 10_000);
      child.stderr!.on('data', (d: Buffer) => {
        out += d.toString();
        if (/Server listening on 127\.0\.0\.1/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (err) => (clearTimeout(timer), reject(err)));
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`sshd exited (${code}): ${out}`))));
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}

export async function startSshd(o: { passwords?: boolean } = {}): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'deskport-sshd-'));
  const hostKey = join(dir, 'host_ed25519');
  const userKey = join(dir, 'user_ecdsa');
  try {
    const keygen = (args: string[]): void => {
      const r = spawnSync('ssh-keygen', ['-q', '-N', '', ...args]);
      if (r.status !== 0) throw new Error(`ssh-keygen ${args.join(' ')}: ${String(r.stderr)}`);
    };
    keygen(['-t', 'ed25519', '-f', hostKey]);
    keygen(['-t', 'ecdsa', '-b', '256', '-m', 'PEM', '-f', userKey]);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${userKey}.pub`));
    const port = await freePort();
    const user = process.env.USER ?? 'root';
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `HostKey ${hostKey}`,
        'ListenAddress 127.0.0.1',
        `PidFile ${join(dir, 'sshd.pid')}`,
        'StrictModes no',
        'UsePAM no',
        `PasswordAuthentication ${o.passwords ? 'yes' : 'no'}`,
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        `PermitRootLogin ${o.passwords ? 'yes' : 'prohibit-password'}`,
        `AllowUsers ${user}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        // guacd's SFTP (files for SSH machines) opens this subsystem.
        'Subsystem sftp internal-sftp',
        '',
      ].join('\n'),
    );
    const sshd = await runSshd('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config'), '-p', String(port)]);
    const stop = async (): Promise<void> => {
      await sshd.stop();
      rmSync(dir, { recursive: true, force: true });
    };
    return { port, dir, user, privateKey: readFileSync(userKey, 'utf8'), stop };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
