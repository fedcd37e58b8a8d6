// OIDC provider config, claim mapping, `next` validation and the attempt store, without a provider.
// The flow against a real provider is in oidc.integration.test.ts.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import {
  ATTEMPT_TTL_MS,
  claimAt,
  createAttemptStore,
  endSessionUrl,
  identityFromClaims,
  MAX_GROUPS,
  oidcProviderSchema,
  safeNextPath,
  type OidcAttempt,
} from './oidc.ts';

const base = { id: 'corp', name: 'Corp SSO', issuer: 'https://login.example.com/realms/corp', clientId: 'deskport' };
const mapping = { id: 'corp', usernameClaim: 'preferred_username', groupsClaim: 'groups' };

describe('provider config', () => {
  it('fills defaults', () => {
    expect(oidcProviderSchema.parse(base)).toEqual({
      ...base,
      tokenEndpointAuthMethod: 'client_secret_basic',
      scopes: 'openid profile email',
      groupsClaim: 'groups',
      usernameClaim: 'preferred_username',
      allowHttpIssuer: false,
      endSessionRedirect: false,
    });
  });

  it('refuses unknown fields, bad slugs and scopes without openid', () => {
    expect(oidcProviderSchema.safeParse({ ...base, extra: 1 }).success).toBe(false);
    for (const id of ['Corp', '-corp', 'corp-', 'a b', 'x'.repeat(49), ''])
      expect(oidcProviderSchema.safeParse({ ...base, id }).success, id).toBe(false);
    expect(oidcProviderSchema.safeParse({ ...base, scopes: 'profile email' }).success).toBe(false);
    expect(oidcProviderSchema.safeParse({ ...base, scopes: 'openid  email' }).success).toBe(false);
    expect(oidcProviderSchema.safeParse({ ...base, clientSecret: '' }).success).toBe(false);
    expect(oidcProviderSchema.safeParse({ ...base, name: 'n'.repeat(65) }).success).toBe(false);
  });

  it('accepts http only for a loopback issuer, and only when asked to', () => {
    const ok = (issuer: string, allowHttpIssuer?: boolean) => oidcProviderSchema.safeParse({ ...base, issuer, allowHttpIssuer }).success;
    expect(ok('http://127.0.0.1:8080')).toBe(false);
    expect(ok('http://127.0.0.1:8080', true)).toBe(true);
    expect(ok('http://localhost:8080', true)).toBe(true);
    expect(ok('http://[::1]:8080', true)).toBe(true);
    expect(ok('http://idp.example.com', true)).toBe(false);
    expect(ok('http://10.0.0.5', true)).toBe(false);
    expect(ok('ftp://idp.example.com')).toBe(false);
    expect(ok('https://idp.example.com/?x=1')).toBe(false);
    expect(ok('https://user:pw@idp.example.com/')).toBe(false);
  });
});

describe('claims to identity', () => {
  const claims = { sub: 's-1', preferred_username: 'alice', name: 'Alice', email: 'alice@example.com', groups: ['eng', 'ops'] };

  it('maps sub, username, name, email and groups', () => {
    expect(identityFromClaims(mapping, claims)).toEqual({
      providerId: 'corp',
      subject: 's-1',
      username: 'alice',
      displayName: 'Alice',
      email: 'alice@example.com',
      groups: ['eng', 'ops'],
    });
  });

  it('falls back from the username claim to email, then to sub', () => {
    expect(identityFromClaims(mapping, { ...claims, preferred_username: undefined })?.username).toBe('alice@example.com');
    expect(identityFromClaims(mapping, { sub: 's-1' })).toMatchObject({ username: 's-1', displayName: null, email: null, groups: [] });
    expect(identityFromClaims(mapping, { ...claims, preferred_username: 42 })?.username).toBe('alice@example.com');
  });

  it('has no identity without a string sub', () => {
    expect(identityFromClaims(mapping, { ...claims, sub: undefined })).toBeNull();
    expect(identityFromClaims(mapping, { ...claims, sub: 7 })).toBeNull();
    expect(identityFromClaims(mapping, { ...claims, sub: '' })).toBeNull();
  });

  it('reads groups from a dotted path, or a literal claim name that contains dots', () => {
    const nested = { ...claims, realm_access: { roles: ['desk-admins'] } };
    expect(identityFromClaims({ ...mapping, groupsClaim: 'realm_access.roles' }, nested)?.groups).toEqual(['desk-admins']);
    const uri = 'https://example.com/claims/groups';
    expect(identityFromClaims({ ...mapping, groupsClaim: uri }, { ...claims, [uri]: ['a'] })?.groups).toEqual(['a']);
    expect(claimAt({ a: { b: 1 } }, 'a.b.c')).toBeUndefined();
    expect(claimAt({ a: ['x'] }, 'a.0')).toBeUndefined(); // no indexing into arrays
    expect(claimAt({}, 'constructor')).toBeUndefined(); // only own properties
  });

  it('takes a single string as one group, ignores non-strings, drops over-long names and duplicates, caps the count', () => {
    expect(identityFromClaims(mapping, { ...claims, groups: 'eng' })?.groups).toEqual(['eng']);
    expect(
      identityFromClaims(mapping, { ...claims, groups: ['eng', 5, null, { a: 1 }, '', 'eng', 'x'.repeat(257), 'ops'] })?.groups,
    ).toEqual(['eng', 'ops']);
    const many = Array.from({ length: 1000 }, (_, i) => `g${i}`);
    expect(identityFromClaims(mapping, { ...claims, groups: many })?.groups).toHaveLength(MAX_GROUPS);
    expect(identityFromClaims(mapping, { ...claims, groups: { eng: true } })?.groups).toEqual([]);
  });

  it('drops an email without @ and an over-long name', () => {
    expect(identityFromClaims(mapping, { ...claims, email: 'not-an-email', name: 'n'.repeat(300) })).toMatchObject({
      email: null,
      displayName: null,
    });
  });
});

describe('next path', () => {
  it('keeps same-site paths with their query and fragment', () => {
    expect(safeNextPath('/')).toBe('/');
    expect(safeNextPath('/desktops?tab=mine#top')).toBe('/desktops?tab=mine#top');
    expect(safeNextPath('/a/../b')).toBe('/b');
  });
  it('refuses anything that could leave the site', () => {
    for (const bad of [
      '//evil.example',
      '/.//evil.example',
      '/a/..//evil.example',
      '/%2e//evil.example',
      '/\\evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      'desktops',
      '/\tevil',
      '/a\nb',
      '',
      '/' + 'a'.repeat(2048),
    ]) {
      expect(safeNextPath(bad), bad).toBeNull();
    }
    expect(safeNextPath(['/a', '/b'])).toBeNull();
    expect(safeNextPath(undefined)).toBeNull();
  });
});

describe('attempt store', () => {
  const attempt = (clock: ManualClock): OidcAttempt => ({
    providerId: 'corp',
    next: '/',
    expiresAt: clock.now() + ATTEMPT_TTL_MS,
    checks: null,
  });

  it('hands each attempt out once, under a fresh random id, kept as a hash', async () => {
    const clock = new ManualClock();
    const db = openSqliteStore({ file: ':memory:', clock });
    const store = createAttemptStore(db);
    const a = { ...attempt(clock), checks: { codeVerifier: 'v'.repeat(43), state: 's'.repeat(43), nonce: 'n'.repeat(43) } };
    const id = await store.put(a);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await store.put(attempt(clock))).not.toBe(id);
    expect(await db.getPendingSignIn(id, 'oidc-attempt')).toBeNull(); // the id itself is not the key
    expect(await store.peek(id)).toEqual(a);
    expect(await store.take(id)).toEqual(a);
    expect(await store.take(id)).toBeNull();
    await db.close();
  });

  it('keeps an expired attempt one more TTL (so it reads as expired), then housekeeping forgets it', async () => {
    const clock = new ManualClock();
    const db = openSqliteStore({ file: ':memory:', clock });
    const store = createAttemptStore(db);
    const old = await store.put(attempt(clock));
    clock.advance(ATTEMPT_TTL_MS + 1);
    expect(await db.deleteExpiredPendingSignIns(clock.now())).toBe(0);
    expect((await store.peek(old))?.expiresAt).toBeLessThan(clock.now());
    clock.advance(ATTEMPT_TTL_MS);
    expect(await db.deleteExpiredPendingSignIns(clock.now())).toBe(1);
    expect(await store.take(old)).toBeNull();
    await db.close();
  });
});

describe('end-session URL', () => {
  it('is null when RP-initiated logout is not enabled, without asking the provider', async () => {
    const cfg = oidcProviderSchema.parse({ ...base, issuer: 'https://idp.invalid' });
    expect(await endSessionUrl(cfg, undefined, 'https://desk.example.com/')).toBeNull();
  });
});
