// The LDAP passport strategy against a real slapd (test/helpers/slapd.ts), run through a real
// passport.Passport instance the way the sign-in route runs it.
import type { Request, Response } from 'express';
import passport from 'passport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_DN, PASSWORDS, READER_DN, READER_PASSWORD, startSlapd, type TestSlapd } from '../../test/helpers/slapd.ts';
import type { ExternalIdentity } from '../auth/identity.ts';
import { ldapProviderSchema } from '../auth/ldap.ts';
import { LdapStrategy } from './ldap-strategy.ts';

let slapd: TestSlapd;

beforeAll(async () => {
  slapd = await startSlapd();
});

afterAll(async () => {
  await slapd?.stop();
});

const provider = () =>
  ldapProviderSchema.parse({
    id: 'test-ldap',
    name: 'Test directory',
    url: slapd.url,
    bindDn: READER_DN,
    bindPassword: READER_PASSWORD,
    userBase: `ou=people,${BASE_DN}`,
    groupBase: `ou=groups,${BASE_DN}`,
    disabledFilter: '(pwdAccountLockedTime=*)',
    timeoutMs: 3000,
  });

describe('the passport strategy', () => {
  /** Runs the strategy through passport.authenticate the way routes/auth.ts runs the local one. */
  function viaPassport(body: unknown): Promise<{ user: ExternalIdentity | false; info: unknown }> {
    const pp = new passport.Passport();
    pp.use('test-ldap', new LdapStrategy(provider()));
    return new Promise((resolve, reject) => {
      const handler = pp.authenticate('test-ldap', { session: false }, (err: unknown, user: ExternalIdentity | false, info: unknown) => {
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve({ user, info });
      }) as (req: Request, res: Response, next: (e?: unknown) => void) => void;
      handler({ body } as Request, {} as Response, (e) => (e ? reject(e) : undefined));
    });
  }

  it('yields the identity for good credentials', async () => {
    const { user } = await viaPassport({ username: 'alice', password: PASSWORDS.alice });
    expect(user).toMatchObject({ providerId: 'test-ldap', username: 'alice', groups: ['desk-admins', 'engineers'] });
  });

  it('fails with the reason as info', async () => {
    expect(await viaPassport({ username: 'alice', password: 'wrong' })).toMatchObject({ user: false, info: { reason: 'bad_password' } });
    expect(await viaPassport({ username: 'carol', password: PASSWORDS.carol })).toMatchObject({
      user: false,
      info: { reason: 'disabled' },
    });
    expect(await viaPassport({ username: 'alice' })).toMatchObject({ user: false, info: { reason: 'unknown_user' } });
  });
});
