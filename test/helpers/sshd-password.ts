// A real OpenSSH server that checks one OS account's password, for passthrough tests, without
// touching the machine's account database: sshd runs in a private mount namespace (unshare, root)
// where /etc/passwd and /etc/shadow are bind-mounted copies with one extra account. Outside that
// namespace nothing changes; the copies live in the test's temp dir. Stopped by its process group.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSshd } from './sshd.ts';
import { freePort } from './xvnc.ts';

const NOGROUP = 65534;

export interface PasswordSshd {
  port: number;
  /** The account's home directory (owned by it): where typed commands can write. */
  home: string;
  stop(): Promise<void>;
}

/** A uid no account of this machine uses. */
function freeUid(passwd: string): number {
  const used = new Set(passwd.split('\n').map((l) => Number(l.split(':')[2])));
  let uid = 64_500;
  while (used.has(uid)) uid++;
  return uid;
}

/** sshd on 127.0.0.1 accepting `user` with `password` (sshd's own shadow check: UsePAM no). `dir` must be the caller's temp dir. */
export async function startPasswordSshd(dir: string, user: string, password: string): Promise<PasswordSshd> {
  if (process.getuid?.() !== 0) throw new Error('the password sshd needs root (a private mount namespace); CI runs as root');
  const passwd = readFileSync('/etc/passwd', 'utf8');
  if (passwd.split('\n').some((l) => l.startsWith(`${user}:`))) throw new Error(`an OS account “${user}” exists here already`);
  const uid = freeUid(passwd);
  // The temp dir is root's 0700: the account must reach its home below it.
  chmodSync(dir, 0o711);
  const home = join(dir, `home-${user}`);
  mkdirSync(home, { mode: 0o700 });
  chownSync(home, uid, NOGROUP);
  const hash = spawnSync('openssl', ['passwd', '-6', '-stdin'], { input: password, encoding: 'utf8' });
  if (hash.status !== 0) throw new Error(`openssl passwd failed: ${hash.stderr}`);
  const files = { passwd: join(dir, 'passwd'), shadow: join(dir, 'shadow') };
  writeFileSync(files.passwd, `${passwd.trimEnd()}\n${user}:x:${uid}:${NOGROUP}:Passthrough test:${home}:/bin/sh\n`, { mode: 0o644 });
  // lastchg 19000 (2022) and max 99999: not expired, no forced change.
  const shadow = readFileSync('/etc/shadow', 'utf8');
  writeFileSync(files.shadow, `${shadow.trimEnd()}\n${user}:${hash.stdout.trim()}:19000:0:99999:7:::\n`, { mode: 0o600 });

  const hostKey = join(dir, 'host_ed25519');
  if (spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]).status !== 0) throw new Error('ssh-keygen failed');
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `HostKey ${hostKey}`,
      'ListenAddress 127.0.0.1',
      `PidFile ${join(dir, 'sshd.pid')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication yes',
      'PermitEmptyPasswords no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication no',
      'PermitRootLogin no',
      `AllowUsers ${user}`,
      '',
    ].join('\n'),
  );
  // unshare without --fork execs: the group leader is the shell, then sshd itself.
  const script = `mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/shadow && exec /usr/sbin/sshd -D -e -f "$3" -p "$4"`;
  const { stop } = await runSshd('unshare', [
    '--mount',
    '--propagation',
    'private',
    '--',
    'sh',
    '-c',
    script,
    'sh',
    files.passwd,
    files.shadow,
    config,
    String(port),
  ]);
  return { port, home, stop };
}
