// The identity-provider form's model: text the admin types ↔ the API's provider settings
// (server/auth/oidc.ts oidcProviderSchema, server/auth/ldap.ts ldapProviderSchema). Empty optional
// fields are left out so the gateway's defaults apply; only what the form must know to build a
// request is checked here, the rest is the gateway's to judge and its 400 details land on the
// same field names.
import type { IdentityProvider, ProviderInput, ProviderKind, ProviderPatch } from '../api/adminIdentity.ts';
import type { Json } from '../api/decode.ts';

export type TokenAuth = 'client_secret_basic' | 'client_secret_post';
/** How LDAP groups are read: not at all, from a memberOf-style attribute, or by a group search. */
export type GroupMode = 'none' | 'memberOf' | 'search';

export interface OidcDraft {
  issuer: string;
  clientId: string;
  clientSecret: string;
  tokenEndpointAuthMethod: TokenAuth;
  scopes: string;
  groupsClaim: string;
  usernameClaim: string;
  allowHttpIssuer: boolean;
  endSessionRedirect: boolean;
}

export interface LdapDraft {
  url: string;
  startTls: boolean;
  tlsCaFile: string;
  tlsRejectUnauthorized: boolean;
  bindDn: string;
  bindPassword: string;
  userBase: string;
  userFilter: string;
  usernameAttribute: string;
  displayNameAttribute: string;
  emailAttribute: string;
  groupMode: GroupMode;
  groupBase: string;
  groupFilter: string;
  groupNameAttribute: string;
  memberOfAttribute: string;
  disabledFilter: string;
  timeoutMs: string;
}

export interface ProviderDraft {
  kind: ProviderKind;
  id: string;
  /** Until the admin types an id, it follows the name. */
  idEdited: boolean;
  name: string;
  enabled: boolean;
  position: string;
  oidc: OidcDraft;
  ldap: LdapDraft;
  /** Settings this form has no field for, sent back unchanged (PUT replaces all settings). */
  extra: Json;
}

/** The gateway's defaults, shown as placeholders. */
export const OIDC_DEFAULTS = { scopes: 'openid profile email', groupsClaim: 'groups', usernameClaim: 'preferred_username' } as const;
export const LDAP_DEFAULTS = {
  userFilter: '(uid={{username}})',
  usernameAttribute: 'uid',
  displayNameAttribute: 'cn',
  emailAttribute: 'mail',
  groupFilter: '(|(member={{dn}})(uniqueMember={{dn}})(memberUid={{username}}))',
  groupNameAttribute: 'cn',
  memberOfAttribute: 'memberOf',
  timeoutMs: '5000',
} as const;

export type LdapPreset = 'ad' | 'openldap';
type PresetFields = Pick<
  LdapDraft,
  | 'userFilter'
  | 'usernameAttribute'
  | 'displayNameAttribute'
  | 'emailAttribute'
  | 'groupMode'
  | 'groupFilter'
  | 'groupNameAttribute'
  | 'memberOfAttribute'
  | 'disabledFilter'
>;

/** Filters and attributes for the two common directories; servers, bases and accounts stay as typed. */
export const LDAP_PRESETS: Record<LdapPreset, { label: string; fields: PresetFields }> = {
  ad: {
    label: 'Active Directory',
    fields: {
      userFilter: '(&(objectCategory=person)(objectClass=user)(sAMAccountName={{username}}))',
      usernameAttribute: 'sAMAccountName',
      displayNameAttribute: 'displayName',
      emailAttribute: 'mail',
      groupMode: 'memberOf',
      memberOfAttribute: 'memberOf',
      groupFilter: '',
      groupNameAttribute: '',
      // The ACCOUNTDISABLE bit of userAccountControl.
      disabledFilter: '(userAccountControl:1.2.840.113556.1.4.803:=2)',
    },
  },
  openldap: {
    label: 'OpenLDAP',
    fields: {
      userFilter: '(&(objectClass=inetOrgPerson)(uid={{username}}))',
      usernameAttribute: 'uid',
      displayNameAttribute: 'cn',
      emailAttribute: 'mail',
      groupMode: 'search',
      memberOfAttribute: '',
      groupFilter: LDAP_DEFAULTS.groupFilter,
      groupNameAttribute: 'cn',
      disabledFilter: '',
    },
  },
};

const OIDC_KEYS = [
  'issuer',
  'clientId',
  'clientSecret',
  'tokenEndpointAuthMethod',
  'scopes',
  'groupsClaim',
  'usernameClaim',
  'allowHttpIssuer',
  'endSessionRedirect',
];
const LDAP_KEYS = [
  'url',
  'startTls',
  'tlsCaFile',
  'tlsRejectUnauthorized',
  'bindDn',
  'bindPassword',
  'userBase',
  'userFilter',
  'usernameAttribute',
  'displayNameAttribute',
  'emailAttribute',
  'groupBase',
  'groupFilter',
  'groupNameAttribute',
  'memberOfAttribute',
  'disabledFilter',
  'timeoutMs',
];

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;

/** "Corp Active Directory" → "corp-active-directory" (the gateway's id rule: a-z, 0-9, -; at most 48). */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 48)
    .replace(/^-+|-+$/g, '');
}

/** A likely group base next to a user base: "ou=people,dc=example,dc=org" → "ou=groups,dc=example,dc=org". */
export function suggestGroupBase(userBase: string): string {
  const dcs = userBase
    .split(',')
    .map((p) => p.trim())
    .filter((p) => /^dc=/i.test(p));
  return dcs.length > 0 ? ['ou=groups', ...dcs].join(',') : 'ou=groups,dc=example,dc=org';
}

function text(c: Json, key: string): string {
  const v = c[key];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function flag(c: Json, key: string, dflt: boolean): boolean {
  return typeof c[key] === 'boolean' ? (c[key] as boolean) : dflt;
}

export function draftFromProvider(kind: ProviderKind, p?: IdentityProvider): ProviderDraft {
  const c: Json = p?.config ?? {};
  const known = kind === 'oidc' ? OIDC_KEYS : LDAP_KEYS;
  const extra = Object.fromEntries(Object.entries(c).filter(([k]) => !known.includes(k)));
  const auth = text(c, 'tokenEndpointAuthMethod');
  return {
    kind,
    id: p?.id ?? '',
    idEdited: p !== undefined,
    name: p?.name ?? '',
    enabled: p?.enabled ?? true,
    position: String(p?.position ?? 0),
    extra,
    oidc: {
      issuer: text(c, 'issuer'),
      clientId: text(c, 'clientId'),
      clientSecret: '',
      tokenEndpointAuthMethod: auth === 'client_secret_post' ? auth : 'client_secret_basic',
      scopes: text(c, 'scopes'),
      groupsClaim: text(c, 'groupsClaim'),
      usernameClaim: text(c, 'usernameClaim'),
      allowHttpIssuer: flag(c, 'allowHttpIssuer', false),
      endSessionRedirect: flag(c, 'endSessionRedirect', false),
    },
    ldap: {
      url: text(c, 'url'),
      startTls: flag(c, 'startTls', false),
      tlsCaFile: text(c, 'tlsCaFile'),
      tlsRejectUnauthorized: flag(c, 'tlsRejectUnauthorized', true),
      bindDn: text(c, 'bindDn'),
      bindPassword: '',
      userBase: text(c, 'userBase'),
      userFilter: text(c, 'userFilter'),
      usernameAttribute: text(c, 'usernameAttribute'),
      displayNameAttribute: text(c, 'displayNameAttribute'),
      emailAttribute: text(c, 'emailAttribute'),
      groupMode: text(c, 'memberOfAttribute') ? 'memberOf' : text(c, 'groupBase') ? 'search' : 'none',
      groupBase: text(c, 'groupBase'),
      groupFilter: text(c, 'groupFilter'),
      groupNameAttribute: text(c, 'groupNameAttribute'),
      memberOfAttribute: text(c, 'memberOfAttribute'),
      disabledFilter: text(c, 'disabledFilter'),
      timeoutMs: text(c, 'timeoutMs'),
    },
  };
}

export function applyPreset(d: LdapDraft, preset: LdapPreset): LdapDraft {
  return { ...d, ...LDAP_PRESETS[preset].fields };
}

export type Errors = Record<string, string>;
export type BuildResult = { ok: true; input: ProviderInput } | { ok: false; errors: Errors };

function settings(d: ProviderDraft, errors: Errors): Json {
  const out: Json = { ...d.extra };
  const put = (key: string, value: string, required = false): void => {
    const v = value.trim();
    if (v !== '') out[key] = v;
    else if (required) errors[key] = 'is required';
  };
  if (d.kind === 'oidc') {
    const o = d.oidc;
    put('issuer', o.issuer, true);
    put('clientId', o.clientId, true);
    // Empty keeps the stored secret on save (and means a public client on create).
    if (o.clientSecret !== '') out.clientSecret = o.clientSecret;
    out.tokenEndpointAuthMethod = o.tokenEndpointAuthMethod;
    put('scopes', o.scopes.trim().split(/\s+/).join(' '));
    put('groupsClaim', o.groupsClaim);
    put('usernameClaim', o.usernameClaim);
    out.allowHttpIssuer = o.allowHttpIssuer;
    out.endSessionRedirect = o.endSessionRedirect;
    return out;
  }
  const l = d.ldap;
  put('url', l.url, true);
  out.startTls = l.startTls;
  put('tlsCaFile', l.tlsCaFile);
  out.tlsRejectUnauthorized = l.tlsRejectUnauthorized;
  put('bindDn', l.bindDn);
  if (l.bindPassword !== '') out.bindPassword = l.bindPassword;
  put('userBase', l.userBase, true);
  put('userFilter', l.userFilter);
  put('usernameAttribute', l.usernameAttribute);
  put('displayNameAttribute', l.displayNameAttribute);
  put('emailAttribute', l.emailAttribute);
  if (l.groupMode === 'memberOf') out.memberOfAttribute = l.memberOfAttribute.trim() || LDAP_DEFAULTS.memberOfAttribute;
  if (l.groupMode === 'search') {
    put('groupBase', l.groupBase, true);
    put('groupFilter', l.groupFilter);
    put('groupNameAttribute', l.groupNameAttribute);
  }
  put('disabledFilter', l.disabledFilter);
  const t = l.timeoutMs.trim();
  if (t !== '') {
    if (/^\d+$/.test(t)) out.timeoutMs = Number(t);
    else errors.timeoutMs = 'must be a whole number of milliseconds';
  }
  return out;
}

export function inputFromDraft(d: ProviderDraft): BuildResult {
  const errors: Errors = {};
  const name = d.name.trim();
  if (name === '') errors.name = 'is required';
  const id = d.id.trim();
  if (!SLUG.test(id)) errors.id = id === '' ? 'is required' : 'must be a lowercase slug (a-z, 0-9, -), at most 48 characters';
  const pos = d.position.trim();
  if (!/^\d+$/.test(pos)) errors.position = 'must be a whole number (0 or more)';
  const config = settings(d, errors);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, input: { kind: d.kind, id, name, enabled: d.enabled, position: Number(pos), config } };
}

/** The PUT body for an existing provider: always the full settings (the API replaces them). */
export function patchFromInput(input: ProviderInput): ProviderPatch {
  return { name: input.name, enabled: input.enabled, position: input.position, config: input.config };
}

/** What the form calls each setting, for the gateway's messages that name other settings. */
export const FIELD_LABELS: Record<string, string> = {
  issuer: 'issuer URL',
  clientId: 'client ID',
  clientSecret: 'client secret',
  allowHttpIssuer: '“Allow http:// for a loopback issuer”',
  url: 'server URL',
  startTls: 'StartTLS',
  tlsCaFile: 'CA certificate file',
  bindDn: 'bind DN',
  bindPassword: 'bind password',
  userBase: 'user base DN',
  userFilter: 'user filter',
  groupBase: 'group base DN',
  memberOfAttribute: 'group attribute',
};

/** "bindDn and bindPassword go together" → "bind DN and bind password go together". */
export function labelSettings(problem: string): string {
  return problem.replace(
    /\b(clientId|clientSecret|allowHttpIssuer|startTls|tlsCaFile|bindDn|bindPassword|userBase|userFilter|groupBase|memberOfAttribute)\b/g,
    (name) => FIELD_LABELS[name] ?? name,
  );
}

/** A 400's details (`config.url`, `name`, …) keyed by the form's field names. */
export function providerFieldErrors(
  details: unknown,
  reword: (problem: string) => string = (p) => p,
): { byField: Errors; other: string[] } {
  const byField: Errors = {};
  const other: string[] = [];
  if (!Array.isArray(details)) return { byField, other };
  for (const d of details as unknown[]) {
    if (typeof d !== 'object' || d === null) continue;
    const { field, problem } = d as { field?: unknown; problem?: unknown };
    if (typeof problem !== 'string') continue;
    const path = typeof field === 'string' ? field.replace(/^config\.?/, '') : '';
    const key = path.split('.')[0] ?? '';
    const what = reword(problem);
    if (!key || key === '(root)') other.push(what);
    else byField[key] = byField[key] ? `${byField[key]}; ${what}` : what;
  }
  return { byField, other };
}
