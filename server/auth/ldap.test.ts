// LDAP provider pieces that need no directory: filter escaping, DN parsing, config validation, and
// the refusals decided before any connection is made.
import { describe, expect, it } from 'vitest';
import { escapeFilterValue, fillFilter, firstRdnValue } from './ldap-filter.ts';
import { ldapAuthenticate, ldapProviderSchema } from './ldap.ts';

const base = { id: 'corp', name: 'Corp directory', url: 'ldap://127.0.0.1:1', userBase: 'ou=people,dc=example,dc=test' };

describe('filter escaping (RFC 4515)', () => {
  it('escapes the characters that change a filter', () => {
    expect(escapeFilterValue('a*b(c)d\\e\0f')).toBe('a\\2ab\\28c\\29d\\5ce\\00f');
  });

  it('leaves ordinary and non-ASCII characters alone', () => {
    expect(escapeFilterValue('José.o-k_1@x')).toBe('José.o-k_1@x');
  });

  it('an injected username stays one assertion value', () => {
    expect(fillFilter('(uid={{username}})', { username: 'alice)(uid=*' })).toBe('(uid=alice\\29\\28uid=\\2a)');
  });

  it('fills every placeholder and treats $ patterns literally', () => {
    const f = fillFilter('(|(member={{dn}})(memberUid={{username}})(x={{username}}))', { username: '$&', dn: 'cn=a\\,b,dc=x' });
    expect(f).toBe('(|(member=cn=a\\5c,b,dc=x)(memberUid=$&)(x=$&))');
  });
});

describe('firstRdnValue', () => {
  it('reads the first RDN value of a group DN', () => {
    expect(firstRdnValue('CN=Desk Admins,OU=Groups,DC=corp,DC=example')).toBe('Desk Admins');
  });

  it('unescapes RFC 4514 escapes, including hex UTF-8', () => {
    expect(firstRdnValue('cn=Smith\\, J\\2b co,ou=x')).toBe('Smith, J+ co');
    expect(firstRdnValue('cn=Ren\\C3\\A9,ou=x')).toBe('René');
  });

  it('stops at a multi-valued RDN separator', () => {
    expect(firstRdnValue('cn=a+uid=b,dc=x')).toBe('a');
  });
});

describe('ldapProviderSchema', () => {
  it('fills OpenLDAP defaults', () => {
    const c = ldapProviderSchema.parse(base);
    expect(c).toMatchObject({
      startTls: false,
      tlsRejectUnauthorized: true,
      bindDn: '',
      bindPassword: '',
      userFilter: '(uid={{username}})',
      usernameAttribute: 'uid',
      displayNameAttribute: 'cn',
      emailAttribute: 'mail',
      groupNameAttribute: 'cn',
      timeoutMs: 5000,
      groupFilter: '(|(member={{dn}})(uniqueMember={{dn}})(memberUid={{username}}))',
    });
  });

  it('refuses clear-text passwords over the network unless asked to: ldaps, StartTLS, loopback or allowPlaintext', () => {
    const at = (o: object) => ldapProviderSchema.safeParse({ ...base, ...o });
    const plain = at({ url: 'ldap://ldap.corp.example' });
    expect(plain.success).toBe(false);
    expect(plain.error?.issues[0]).toMatchObject({ path: ['url'], message: expect.stringContaining('in clear') });
    expect(at({ url: 'ldap://ldap.corp.example', startTls: true }).success).toBe(true);
    expect(at({ url: 'ldaps://ldap.corp.example' }).success).toBe(true);
    expect(at({ url: 'ldap://127.0.0.1:389' }).success).toBe(true);
    expect(at({ url: 'ldap://[::1]:389' }).success).toBe(true);
    expect(at({ url: 'ldap://ldap.corp.example', allowPlaintext: true }).success).toBe(true);
  });

  it('accepts an Active Directory setup', () => {
    const ad = ldapProviderSchema.safeParse({
      ...base,
      url: 'ldaps://dc1.corp.example:636',
      tlsCaFile: '/etc/ssl/corp-ca.pem',
      bindDn: 'CN=svc,DC=corp',
      bindPassword: 'x',
      userFilter: '(&(objectClass=user)(sAMAccountName={{username}}))',
      usernameAttribute: 'sAMAccountName',
      displayNameAttribute: 'displayName',
      memberOfAttribute: 'memberOf',
      disabledFilter: '(userAccountControl:1.2.840.113556.1.4.803:=2)',
    });
    expect(ad.success).toBe(true);
  });

  it.each([
    ['an http URL', { url: 'http://dc1' }],
    ['a URL with a path', { url: 'ldap://dc1/dc=x' }],
    ['StartTLS on ldaps', { url: 'ldaps://dc1', startTls: true }],
    ['a CA file without TLS', { tlsCaFile: '/ca.pem' }],
    ['a relative CA path', { url: 'ldaps://dc1', tlsCaFile: 'ca.pem' }],
    ['a bind DN without password (unauthenticated bind)', { bindDn: 'cn=svc,dc=x' }],
    ['a password without bind DN', { bindPassword: 'x' }],
    ['a user filter without {{username}}', { userFilter: '(uid=alice)' }],
    ['an unbalanced filter', { userFilter: '(uid={{username}}' }],
    ['an unknown placeholder', { userFilter: '(&(uid={{username}})(o={{org}}))' }],
    ['{{dn}} in the user filter', { userFilter: '(&(uid={{username}})(manager={{dn}}))' }],
    ['a placeholder in disabledFilter', { disabledFilter: '(uid={{username}})' }],
    ['both group sources', { groupBase: 'ou=groups,dc=x', memberOfAttribute: 'memberOf' }],
    ['a bad attribute name', { usernameAttribute: 'uid)(x' }],
    ['an unknown key', { bindPasword: 'typo' }],
    ['a huge timeout', { timeoutMs: 3_600_000 }],
    ['a bad id', { id: 'Corp Directory' }],
    ['an over-long base', { userBase: 'o='.padEnd(2000, 'x') }],
  ])('refuses %s', (_what, patch) => {
    expect(ldapProviderSchema.safeParse({ ...base, ...patch }).success).toBe(false);
  });
});

describe('ldapAuthenticate before any connection', () => {
  // Port 1 on loopback: nothing listens, and these refusals must not even try.
  const config = ldapProviderSchema.parse(base);

  it('refuses an empty password without binding (the unauthenticated-bind pitfall)', async () => {
    expect(await ldapAuthenticate(config, 'alice', '')).toMatchObject({ ok: false, reason: 'bad_password' });
  });

  it('refuses an empty or over-long username as unknown', async () => {
    expect(await ldapAuthenticate(config, '', 'x')).toMatchObject({ ok: false, reason: 'unknown_user' });
    expect(await ldapAuthenticate(config, 'a'.repeat(300), 'x')).toMatchObject({ ok: false, reason: 'unknown_user' });
  });

  it('reports a directory nobody answers as unavailable', async () => {
    expect(await ldapAuthenticate(config, 'alice', 'x')).toMatchObject({ ok: false, reason: 'directory_unavailable' });
  });
});
