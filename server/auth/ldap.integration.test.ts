// LDAP sign-in against a real slapd (test/helpers/slapd.ts): identities and groups, every refusal
// reason, filter injection, a directory that is down or silent, StartTLS/LDAPS trust (the passport
// strategy is tested in server/http/ldap-strategy.integration.test.ts).
import { createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_DN, PASSWORDS, READER_DN, READER_PASSWORD, startSlapd, type TestSlapd } from '../../test/helpers/slapd.ts';
import { createLogger } from '../log.ts';
import { ldapAuthenticate, ldapProviderSchema, testLdapConnection, type LdapProviderInput } from './ldap.ts';

let slapd: TestSlapd;

beforeAll(async () => {
  slapd = await startSlapd();
});

afterAll(async () => {
  await slapd?.stop();
});

function provider(patch: Partial<LdapProviderInput> = {}) {
  return ldapProviderSchema.parse({
    id: 'test-ldap',
    name: 'Test directory',
    url: slapd.url,
    bindDn: READER_DN,
    bindPassword: READER_PASSWORD,
    userBase: `ou=people,${BASE_DN}`,
    groupBase: `ou=groups,${BASE_DN}`,
    disabledFilter: '(pwdAccountLockedTime=*)',
    timeoutMs: 3000,
    ...patch,
  });
}

describe('signing in with a directory account', () => {
  it('a good password yields the identity with the directory groups', async () => {
    const r = await ldapAuthenticate(provider(), 'alice', PASSWORDS.alice);
    expect(r).toEqual({
      ok: true,
      identity: {
        providerId: 'test-ldap',
        subject: expect.stringMatching(/^[0-9a-f-]{36}$/),
        username: 'alice',
        displayName: 'Alice Example',
        email: 'alice@example.test',
        groups: ['desk-admins', 'engineers'],
      },
    });
  });

  it('the subject is the stable entryUUID, the username the directory spelling', async () => {
    const a = await ldapAuthenticate(provider(), 'ALICE', PASSWORDS.alice);
    const b = await ldapAuthenticate(provider(), 'alice', PASSWORDS.alice);
    expect(a.ok && b.ok && a.identity.subject === b.identity.subject).toBe(true);
    expect(a.ok && a.identity.username).toBe('alice');
  });

  it('bob is only an engineer', async () => {
    const r = await ldapAuthenticate(provider(), 'bob', PASSWORDS.bob);
    expect(r.ok && r.identity.groups).toEqual(['engineers']);
  });

  it('groups can come from a DN-valued attribute of the user entry, as with AD memberOf', async () => {
    // The test directory keeps alice's group DNs in seeAlso (see test/helpers/slapd.ts).
    const r = await ldapAuthenticate(provider({ groupBase: undefined, memberOfAttribute: 'seeAlso' }), 'alice', PASSWORDS.alice);
    expect(r.ok && r.identity.groups).toEqual(['Desk, Admins', 'engineers']);
  });

  it('without a group base the identity has no groups', async () => {
    const r = await ldapAuthenticate(provider({ groupBase: undefined }), 'alice', PASSWORDS.alice);
    expect(r.ok && r.identity.groups).toEqual([]);
  });
});

describe('refusals, each with its own reason', () => {
  it('a wrong password is bad_password', async () => {
    expect(await ldapAuthenticate(provider(), 'alice', PASSWORDS.bob)).toMatchObject({ ok: false, reason: 'bad_password' });
  });

  it('an empty password is refused, though slapd would accept it as an unauthenticated bind', async () => {
    expect(await ldapAuthenticate(provider(), 'alice', '')).toMatchObject({ ok: false, reason: 'bad_password' });
  });

  it('a name the directory does not know is unknown_user', async () => {
    expect(await ldapAuthenticate(provider(), 'mallory', 'whatever')).toMatchObject({ ok: false, reason: 'unknown_user' });
  });

  it.each(['*', 'alice)(uid=*', '*)(|(uid=*', 'al*', 'alice\\', 'alice\0'])('filter metacharacters in %j match nobody', async (name) => {
    expect(await ldapAuthenticate(provider(), name, PASSWORDS.alice)).toMatchObject({ ok: false, reason: 'unknown_user' });
  });

  it('an ambiguous user filter matches nobody rather than the first entry', async () => {
    const loose = provider({ userFilter: '(|(uid={{username}})(objectClass=inetOrgPerson))' });
    expect(await ldapAuthenticate(loose, 'alice', PASSWORDS.alice)).toMatchObject({ ok: false, reason: 'unknown_user' });
  });

  it('a disabled account is refused as disabled, even with the right password', async () => {
    expect(await ldapAuthenticate(provider(), 'carol', PASSWORDS.carol)).toMatchObject({ ok: false, reason: 'disabled' });
  });

  it('without a disabledFilter the directory itself still refuses the locked account', async () => {
    expect(await ldapAuthenticate(provider({ disabledFilter: undefined }), 'carol', PASSWORDS.carol)).toMatchObject({
      ok: false,
      reason: 'bad_password',
    });
  });

  it('a wrong service password makes the directory unavailable, not the user wrong', async () => {
    const r = await ldapAuthenticate(provider({ bindPassword: 'not-it' }), 'alice', PASSWORDS.alice);
    expect(r).toMatchObject({ ok: false, reason: 'directory_unavailable', detail: expect.stringContaining('service account') });
  });
});

describe('logging', () => {
  it('logs outcomes and reasons but never a password or the service password', async () => {
    const lines: string[] = [];
    const log = createLogger({
      level: 'debug',
      destination: new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) }),
    });
    await ldapAuthenticate(provider(), 'alice', PASSWORDS.alice, { log });
    await ldapAuthenticate(provider(), 'alice', 'a-wrong-password', { log });
    await ldapAuthenticate(provider({ bindPassword: 'wrong-service-secret' }), 'alice', PASSWORDS.alice, { log });
    const text = lines.join('');
    expect(text).toContain('bad_password');
    expect(text).toContain('directory_unavailable');
    for (const secret of [PASSWORDS.alice, 'a-wrong-password', READER_PASSWORD, 'wrong-service-secret']) expect(text).not.toContain(secret);
  });
});

describe('a directory that is down or silent', () => {
  let silent: Server;
  const held: Socket[] = [];
  beforeAll(async () => {
    // Accepts connections and never says a word: only the timeouts can end an attempt.
    silent = createServer((s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    for (const s of held) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  it('nothing listening: directory_unavailable at once', async () => {
    const t0 = Date.now();
    const r = await ldapAuthenticate(provider({ url: 'ldap://127.0.0.1:1', timeoutMs: 2000 }), 'alice', PASSWORDS.alice);
    expect(r).toMatchObject({ ok: false, reason: 'directory_unavailable' });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('a server that never answers: directory_unavailable within timeoutMs', async () => {
    const port = (silent.address() as { port: number }).port;
    const t0 = Date.now();
    const r = await ldapAuthenticate(provider({ url: `ldap://127.0.0.1:${port}`, timeoutMs: 500 }), 'alice', PASSWORDS.alice);
    expect(r).toMatchObject({ ok: false, reason: 'directory_unavailable' });
    expect(Date.now() - t0).toBeLessThan(500 + 300);
  });
});

describe('TLS', () => {
  it('StartTLS with the directory CA works', async () => {
    const r = await ldapAuthenticate(provider({ startTls: true, tlsCaFile: slapd.caFile }), 'alice', PASSWORDS.alice);
    expect(r.ok && r.identity.groups).toEqual(['desk-admins', 'engineers']);
  });

  it('StartTLS with an untrusted CA is refused before any password is sent', async () => {
    const r = await ldapAuthenticate(provider({ startTls: true, tlsCaFile: slapd.untrustedCaFile }), 'alice', PASSWORDS.alice);
    expect(r).toMatchObject({ ok: false, reason: 'directory_unavailable', detail: expect.stringMatching(/certificate/i) });
  });

  it('LDAPS with the directory CA works, and with an untrusted CA does not', async () => {
    const good = await ldapAuthenticate(provider({ url: slapd.ldapsUrl, tlsCaFile: slapd.caFile }), 'bob', PASSWORDS.bob);
    expect(good.ok).toBe(true);
    const bad = await ldapAuthenticate(provider({ url: slapd.ldapsUrl, tlsCaFile: slapd.untrustedCaFile }), 'bob', PASSWORDS.bob);
    expect(bad).toMatchObject({ ok: false, reason: 'directory_unavailable', detail: expect.stringMatching(/certificate/i) });
  });
});

describe('testLdapConnection', () => {
  it('reports success with StartTLS', async () => {
    expect(await testLdapConnection(provider({ startTls: true, tlsCaFile: slapd.caFile }))).toMatchObject({
      ok: true,
      message: expect.stringContaining('StartTLS'),
    });
  });

  it('names the problem: wrong service password, missing base, unreachable, untrusted certificate', async () => {
    expect(await testLdapConnection(provider({ bindPassword: 'nope' }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/service account bind refused: invalid credentials/),
    });
    expect(await testLdapConnection(provider({ userBase: `ou=nobody,${BASE_DN}` }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/userBase/),
    });
    expect(await testLdapConnection(provider({ url: 'ldap://127.0.0.1:1' }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/cannot connect/),
    });
    expect(await testLdapConnection(provider({ startTls: true, tlsCaFile: slapd.untrustedCaFile }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/certificate/i),
    });
  });

  it('never puts the service password in its answer', async () => {
    const r = await testLdapConnection(provider({ bindPassword: 'very-secret-wrong' }));
    expect(JSON.stringify(r)).not.toContain('very-secret-wrong');
  });
});
