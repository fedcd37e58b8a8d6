// A throwaway OpenLDAP server (Debian's slapd) for LDAP sign-in tests: own temp dir, slapd.conf,
// mdb database loaded with slapadd, listening on 127.0.0.1 only (plain with StartTLS, and LDAPS),
// with a self-signed certificate made by openssl. Stopped by its PID; the temp dir goes with it.
//
// Directory (base dc=example,dc=test):
//   ou=people: alice (groups engineers, desk-admins), bob (engineers), carol (disabled), and the
//              service account cn=reader under the base.
//   ou=groups: groupOfNames "engineers" and "desk-admins".
// alice also lists her groups' DNs in seeAlso, standing in for AD's memberOf (which slapd would only
// maintain through an overlay that slapadd does not run).
// carol is disabled the OpenLDAP way: the ppolicy overlay with pwdAccountLockedTime=000001010000Z
// (locked for good). slapd itself then refuses her bind; `(pwdAccountLockedTime=*)` as the
// provider's disabledFilter lets the gateway say why.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';

export const BASE_DN = 'dc=example,dc=test';
export const READER_DN = `cn=reader,${BASE_DN}`;
export const READER_PASSWORD = 'reader-secret-for-tests';
export const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-2', carol: 'carol-password-3' } as const;

export interface TestSlapd {
  /** ldap://127.0.0.1:PORT (StartTLS available). */
  url: string;
  /** ldaps://127.0.0.1:PORT */
  ldapsUrl: string;
  /** PEM of the CA that signed the server certificate (self-signed; SANs 127.0.0.1 and localhost). */
  caFile: string;
  /** PEM of an unrelated self-signed CA, for "untrusted certificate" tests. */
  untrustedCaFile: string;
  pid: number;
  stop(): Promise<void>;
}

const SCHEMAS = ['core', 'cosine', 'inetorgperson', 'nis'];

export async function startSlapd(): Promise<TestSlapd> {
  const dir = mkdtempSync(join(tmpdir(), 'deskport-slapd-'));
  let child: ChildProcess | null = null;
  const stop = async () => {
    if (child) await killChild(child);
    child = null;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    makeCertificates(dir);
    const conf = writeConfig(dir);
    run('slapadd', ['-q', '-f', conf, '-l', writeLdif(dir)]);
    // A free port may be taken between probing and slapd binding it; try a few times.
    for (let attempt = 1; ; attempt++) {
      const [port, sport] = [await freePort(), await freePort()];
      const url = `ldap://127.0.0.1:${port}`;
      const ldapsUrl = `ldaps://127.0.0.1:${sport}`;
      // -d 0: stay in the foreground (so the PID is slapd's own) and log nothing.
      const proc = spawn('/usr/sbin/slapd', ['-d', '0', '-f', conf, '-h', `${url}/ ${ldapsUrl}/`], { stdio: ['ignore', 'ignore', 'pipe'] });
      child = proc;
      // Should the test process die without stop(), the directory goes with it.
      const onExit = () => proc.pid !== undefined && proc.exitCode === null && process.kill(proc.pid, 'SIGKILL');
      process.once('exit', onExit);
      proc.once('exit', () => process.off('exit', onExit));
      let stderr = '';
      proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      if (await waitAnswering(url, proc)) {
        return { url, ldapsUrl, caFile: join(dir, 'ca.crt'), untrustedCaFile: join(dir, 'other-ca.crt'), pid: proc.pid!, stop };
      }
      await killChild(proc);
      child = null;
      if (attempt >= 3) throw new Error(`slapd did not start: ${stderr.trim()}`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.error?.message}`);
}

function makeCertificates(dir: string): void {
  const selfSigned = (name: string, cn: string) =>
    run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      join(dir, `${name}.crt`),
    ]);
  // The server certificate is its own CA: simplest trust chain that still exercises verification.
  selfSigned('ca', 'localhost');
  selfSigned('other-ca', 'localhost');
}

function writeConfig(dir: string): string {
  mkdirSync(join(dir, 'db'));
  const conf = join(dir, 'slapd.conf');
  writeFileSync(
    conf,
    [
      ...SCHEMAS.map((s) => `include /etc/ldap/schema/${s}.schema`),
      `pidfile ${join(dir, 'slapd.pid')}`,
      `argsfile ${join(dir, 'slapd.args')}`,
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      'moduleload ppolicy',
      `TLSCertificateFile ${join(dir, 'ca.crt')}`,
      `TLSCertificateKeyFile ${join(dir, 'ca.key')}`,
      'database mdb',
      `suffix "${BASE_DN}"`,
      `directory ${join(dir, 'db')}`,
      'maxsize 16777216',
      // Password hashes are for binding only; the reader sees everything else, users see themselves.
      'access to attrs=userPassword by anonymous auth by * none',
      `access to * by dn.exact="${READER_DN}" read by self read by * none`,
      'overlay ppolicy',
      `ppolicy_default "cn=default,ou=policies,${BASE_DN}"`,
      '',
    ].join('\n'),
  );
  return conf;
}

/** {SSHA} as slappasswd makes it, so the directory never holds a clear-text password. */
function ssha(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

function writeLdif(dir: string): string {
  const person = (uid: string, cn: string, uidNumber: number, password: string, extra: string[] = []) => [
    `dn: uid=${uid},ou=people,${BASE_DN}`,
    'objectClass: inetOrgPerson',
    'objectClass: posixAccount',
    `uid: ${uid}`,
    `cn: ${cn}`,
    `sn: ${cn.split(' ').pop()}`,
    `mail: ${uid}@example.test`,
    `uidNumber: ${uidNumber}`,
    'gidNumber: 5000',
    `homeDirectory: /home/${uid}`,
    `userPassword: ${ssha(password)}`,
    ...extra,
    '',
  ];
  const group = (cn: string, members: string[]) => [
    `dn: cn=${cn},ou=groups,${BASE_DN}`,
    'objectClass: groupOfNames',
    `cn: ${cn}`,
    ...members.map((m) => `member: uid=${m},ou=people,${BASE_DN}`),
    '',
  ];
  const ou = (name: string) => [`dn: ou=${name},${BASE_DN}`, 'objectClass: organizationalUnit', `ou: ${name}`, ''];
  const ldif = [
    `dn: ${BASE_DN}`,
    'objectClass: dcObject',
    'objectClass: organization',
    'dc: example',
    'o: Example',
    '',
    `dn: ${READER_DN}`,
    'objectClass: organizationalRole',
    'objectClass: simpleSecurityObject',
    'cn: reader',
    `userPassword: ${ssha(READER_PASSWORD)}`,
    '',
    ...ou('people'),
    ...ou('groups'),
    ...ou('policies'),
    // A policy must apply for slapd to enforce pwdAccountLockedTime; this one only does that.
    `dn: cn=default,ou=policies,${BASE_DN}`,
    'objectClass: organizationalRole',
    'objectClass: pwdPolicy',
    'cn: default',
    'pwdAttribute: userPassword',
    'pwdLockout: TRUE',
    '',
    ...person('alice', 'Alice Example', 10001, PASSWORDS.alice, [
      `seeAlso: cn=engineers,ou=groups,${BASE_DN}`,
      `seeAlso: cn=Desk\\2C Admins,ou=groups,${BASE_DN}`,
    ]),
    ...person('bob', 'Bob Example', 10002, PASSWORDS.bob),
    ...person('carol', 'Carol Example', 10003, PASSWORDS.carol, ['pwdAccountLockedTime: 000001010000Z']),
    ...group('engineers', ['alice', 'bob']),
    ...group('desk-admins', ['alice']),
  ].join('\n');
  const file = join(dir, 'data.ldif');
  writeFileSync(file, ldif);
  return file;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** True once slapd answers a bind as the reader; false if it exits or does not answer in 10 s. */
async function waitAnswering(url: string, proc: ChildProcess): Promise<boolean> {
  const end = Date.now() + 10_000;
  while (Date.now() < end && proc.exitCode === null && proc.signalCode === null) {
    const client = new Client({ url, timeout: 1000, connectTimeout: 1000 });
    try {
      await client.bind(READER_DN, READER_PASSWORD);
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }
  return false;
}

async function killChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  process.kill(proc.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) process.kill(proc.pid, 'SIGKILL');
  }, 5000);
  await exited;
  clearTimeout(timer);
}
