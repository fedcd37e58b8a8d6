import { describe, expect, it } from 'vitest';
import type { IdentityProvider } from '../api/adminIdentity.ts';
import {
  applyPreset,
  draftFromProvider,
  inputFromDraft,
  labelSettings,
  providerFieldErrors,
  slugify,
  suggestGroupBase,
} from './identityForm.ts';

function saved(kind: 'oidc' | 'ldap', config: Record<string, unknown>): IdentityProvider {
  return {
    id: 'corp',
    kind,
    name: 'Corp',
    enabled: true,
    position: 2,
    config,
    secretSet: true,
    valid: true,
    mappings: [],
    createdAt: '',
    updatedAt: '',
  };
}

describe('identity provider form', () => {
  it('derives an id the gateway accepts from the name', () => {
    expect(slugify('  Corp Active Directory (EU) ')).toBe('corp-active-directory-eu');
    expect(slugify('Zürich SSO')).toBe('zurich-sso');
    expect(slugify('x'.repeat(60))).toHaveLength(48);
  });

  it('leaves empty optional settings out so the gateway defaults apply', () => {
    const d = draftFromProvider('oidc');
    const r = inputFromDraft({
      ...d,
      name: 'SSO',
      id: 'sso',
      oidc: { ...d.oidc, issuer: ' https://idp.example.com ', clientId: 'deskport' },
    });
    expect(r.ok && r.input.config).toEqual({
      issuer: 'https://idp.example.com',
      clientId: 'deskport',
      tokenEndpointAuthMethod: 'client_secret_basic',
      allowHttpIssuer: false,
      endSessionRedirect: false,
    });
  });

  it('requires what the gateway cannot default', () => {
    const r = inputFromDraft({ ...draftFromProvider('ldap'), position: 'first' });
    expect(r.ok).toBe(false);
    expect(!r.ok && Object.keys(r.errors).sort()).toEqual(['id', 'name', 'position', 'url', 'userBase']);
  });

  it('never sends an empty secret, so saving keeps the stored one', () => {
    const d = draftFromProvider('ldap', saved('ldap', { url: 'ldap://127.0.0.1:389', bindDn: 'cn=svc', userBase: 'dc=x' }));
    const r = inputFromDraft(d);
    expect(r.ok && 'bindPassword' in r.input.config).toBe(false);
    const typed = inputFromDraft({ ...d, ldap: { ...d.ldap, bindPassword: 'new secret' } });
    expect(typed.ok && typed.input.config.bindPassword).toBe('new secret');
  });

  it('sends only the group settings of the chosen way of finding groups', () => {
    const d = draftFromProvider(
      'ldap',
      saved('ldap', { url: 'ldap://h', userBase: 'dc=x', groupBase: 'ou=g,dc=x', groupFilter: '(member={{dn}})' }),
    );
    expect(d.ldap.groupMode).toBe('search');
    const ad = applyPreset(d.ldap, 'ad');
    const r = inputFromDraft({ ...d, ldap: ad });
    expect(r.ok && r.input.config).toMatchObject({ memberOfAttribute: 'memberOf', usernameAttribute: 'sAMAccountName' });
    expect(r.ok && ('groupBase' in r.input.config || 'groupFilter' in r.input.config)).toBe(false);
  });

  it('keeps settings the form does not know about', () => {
    const d = draftFromProvider('oidc', saved('oidc', { issuer: 'https://i', clientId: 'c', futureSetting: 7 }));
    const r = inputFromDraft(d);
    expect(r.ok && r.input.config.futureSetting).toBe(7);
  });

  it('puts the gateway’s config.* problems on the form’s fields', () => {
    const { byField, other } = providerFieldErrors([
      { field: 'config.url', problem: 'must be ldap://host[:port] or ldaps://host[:port]' },
      { field: 'config.issuer', problem: 'a' },
      { field: 'config.issuer', problem: 'b' },
      { field: 'name', problem: 'must not be empty' },
      { field: 'config', problem: 'too many settings' },
    ]);
    expect(byField).toEqual({ url: 'must be ldap://host[:port] or ldaps://host[:port]', issuer: 'a; b', name: 'must not be empty' });
    expect(other).toEqual(['too many settings']);
  });

  it('names settings the way the form labels them', () => {
    expect(labelSettings('bindDn and bindPassword go together')).toBe('bind DN and bind password go together');
    expect(labelSettings('must use https (http only for a loopback issuer with allowHttpIssuer)')).toBe(
      'must use https (http only for a loopback issuer with “Allow http:// for a loopback issuer”)',
    );
  });

  it('suggests a group base beside the user base', () => {
    expect(suggestGroupBase('ou=people,dc=example,dc=org')).toBe('ou=groups,dc=example,dc=org');
  });
});
