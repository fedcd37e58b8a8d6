// LDAP / Active Directory sign-in: find the person with a service account, prove the password by
// binding as their own DN, read their groups, and hand back an ExternalIdentity. Failures are data
// (a reason for the audit log), never thrown; passwords never reach a log line.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Client, InvalidCredentialsError, ResultCodeError, type Entry } from 'ldapts';
import { z } from 'zod';
import { silentLogger, type Logger } from '../log.ts';
import { fillFilter, firstRdnValue, isFilterTemplate } from './ldap-filter.ts';
import type { ExternalIdentity } from './identity.ts';

export type LdapFailReason = 'unknown_user' | 'bad_password' | 'disabled' | 'directory_unavailable';
/** `detail` is for logs and audit (never a secret); people only ever see "wrong username or password". */
export type LdapAuthResult = { ok: true; identity: ExternalIdentity } | { ok: false; reason: LdapFailReason; detail: string };
export type LdapTestResult = { ok: true; message: string } | { ok: false; error: string };
export interface LdapOptions {
  log?: Logger;
}

const MAX_USERNAME = 256;
const MAX_PASSWORD = 1024;
const MAX_GROUPS = 1000;

// --- configuration ---------------------------------------------------------------------------

const attribute = z.string().regex(/^(?:[A-Za-z][A-Za-z0-9-]{0,63}|\d+(?:\.\d+){1,63})$/, 'not an LDAP attribute name');
const dn = z.string().max(1024);
const filter = (placeholders: string[]) =>
  z
    .string()
    .min(3)
    .max(1024)
    .refine(
      (f) => isFilterTemplate(f, placeholders),
      `not an LDAP filter (placeholders allowed: ${placeholders.map((p) => `{{${p}}}`).join(', ') || 'none'})`,
    );

export const ldapProviderSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, - and _'),
    name: z.string().trim().min(1).max(100),
    url: z.string().max(512).refine(isLdapUrl, 'must be ldap://host[:port] or ldaps://host[:port]'),
    startTls: z.boolean().default(false),
    tlsCaFile: z.string().max(4096).startsWith('/', 'must be an absolute path').optional(),
    tlsRejectUnauthorized: z.boolean().default(true),
    /** Passwords in clear over ldap:// without StartTLS to a host other than loopback: off unless set. */
    allowPlaintext: z.boolean().default(false),
    bindDn: dn.default(''),
    bindPassword: z.string().max(MAX_PASSWORD).default(''),
    userBase: dn.min(1),
    userFilter: filter(['username']).default('(uid={{username}})'),
    usernameAttribute: attribute.default('uid'),
    displayNameAttribute: attribute.default('cn'),
    emailAttribute: attribute.default('mail'),
    groupBase: dn.min(1).optional(),
    groupFilter: filter(['username', 'dn']).default('(|(member={{dn}})(uniqueMember={{dn}})(memberUid={{username}}))'),
    groupNameAttribute: attribute.default('cn'),
    memberOfAttribute: attribute.optional(),
    disabledFilter: filter([]).optional(),
    timeoutMs: z.number().int().min(100).max(60_000).default(5000),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.startTls && c.url.toLowerCase().startsWith('ldaps:'))
      issue('startTls', 'StartTLS is for ldap:// URLs; ldaps:// is already encrypted');
    if (c.url.toLowerCase().startsWith('ldap:') && !c.startTls && !c.allowPlaintext && !isLoopbackUrl(c.url)) {
      issue('url', 'passwords would cross the network in clear: use ldaps://, turn on StartTLS, or set allowPlaintext');
    }
    if (c.tlsCaFile && !c.startTls && !c.url.toLowerCase().startsWith('ldaps:')) issue('tlsCaFile', 'a CA file needs ldaps:// or startTls');
    // A DN with an empty password is an "unauthenticated bind" (RFC 4513 5.1.2) that many servers accept.
    if ((c.bindDn === '') !== (c.bindPassword === ''))
      issue('bindPassword', 'bindDn and bindPassword go together (both empty means anonymous search)');
    if (!c.userFilter.includes('{{username}}')) issue('userFilter', 'must contain {{username}}');
    if (c.groupBase && c.memberOfAttribute)
      issue('memberOfAttribute', 'use either groupBase (search groups) or memberOfAttribute, not both');
  });
export type LdapProviderConfig = z.output<typeof ldapProviderSchema>;
export type LdapProviderInput = z.input<typeof ldapProviderSchema>;

function isLdapUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (
      (u.protocol === 'ldap:' || u.protocol === 'ldaps:') &&
      u.hostname !== '' &&
      !u.username &&
      !u.password &&
      (u.pathname === '' || u.pathname === '/') &&
      !u.search &&
      !u.hash
    );
  } catch {
    return false;
  }
}

function isLoopbackUrl(value: string): boolean {
  const h = new URL(value).hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

function values(entry: Entry, name: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key === undefined ? undefined : entry[key];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
}

/** Active Directory's objectGUID (16 bytes, first three fields little-endian) as the usual text form. */
function guidText(entry: Entry): string | null {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === 'objectguid');
  const raw = key === undefined ? undefined : entry[key];
  const b = Array.isArray(raw) ? raw[0] : raw;
  if (!Buffer.isBuffer(b) || b.length !== 16) return null;
  const h = (i: number[]) => i.map((n) => b[n]!.toString(16).padStart(2, '0')).join('');
  return `${h([3, 2, 1, 0])}-${h([5, 4])}-${h([7, 6])}-${h([8, 9])}-${h([10, 11, 12, 13, 14, 15])}`;
}

// --- connections -----------------------------------------------------------------------------

class Failure extends Error {
  constructor(
    readonly reason: LdapFailReason,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** The connections of one attempt, all closed when it ends or its deadline passes. */
class Attempt {
  private readonly clients = new Set<Client>();
  private closed = false;
  constructor(private readonly config: LdapProviderConfig) {}

  async connect(): Promise<Client> {
    if (this.closed) throw new Failure('directory_unavailable', 'deadline passed');
    const ldaps = this.config.url.toLowerCase().startsWith('ldaps:');
    const tls = ldaps || this.config.startTls ? await tlsOptions(this.config) : undefined;
    // ldapts speaks TLS from the first byte whenever tlsOptions is set, so only ldaps:// gets them here.
    const client = new Client({
      url: this.config.url,
      timeout: this.config.timeoutMs,
      connectTimeout: this.config.timeoutMs,
      tlsOptions: ldaps ? tls : undefined,
    });
    this.clients.add(client);
    // Without StartTLS the socket opens lazily, at the first bind or search (see unreachable()).
    if (this.config.startTls)
      await client.startTLS({ ...tls }).catch((err: unknown) => {
        throw unreachable(this.config, err);
      });
    return client;
  }

  async close(): Promise<void> {
    this.closed = true;
    // unbind() destroys the socket even when the server never answers; its own timeout bounds the wait.
    await Promise.all([...this.clients].map((c) => c.unbind().catch(() => undefined)));
    this.clients.clear();
  }
}

async function tlsOptions(config: LdapProviderConfig): Promise<ConnectionOptions> {
  const host = new URL(config.url).hostname.replace(/^\[(.*)\]$/, '$1');
  const opts: ConnectionOptions = { host, rejectUnauthorized: config.tlsRejectUnauthorized, minVersion: 'TLSv1.2' };
  if (!isIP(host)) opts.servername = host;
  if (config.tlsCaFile) {
    try {
      opts.ca = await readFile(config.tlsCaFile, 'utf8');
    } catch (err) {
      throw new Failure('directory_unavailable', `cannot read tlsCaFile: ${(err as Error).message}`);
    }
  }
  return opts;
}

/** Runs `work` with the attempt's connections under one overall deadline of `timeoutMs`. */
async function withAttempt<T>(config: LdapProviderConfig, work: (a: Attempt) => Promise<T>): Promise<T> {
  const attempt = new Attempt(config);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Failure('directory_unavailable', `no answer within ${config.timeoutMs} ms`)), config.timeoutMs);
  });
  const running = work(attempt);
  running.catch(() => undefined); // it may lose the race and fail later, when its sockets close
  try {
    return await Promise.race([running, deadline]);
  } finally {
    clearTimeout(timer);
    await attempt.close();
  }
}

async function bindService(client: Client, config: LdapProviderConfig): Promise<void> {
  if (config.bindDn === '') return; // anonymous search, by configuration
  try {
    await client.bind(config.bindDn, config.bindPassword);
  } catch (err) {
    if (!(err instanceof ResultCodeError)) throw unreachable(config, err);
    // 49 = invalidCredentials (RFC 4511); the library's message is only "Code: 0x31".
    const why =
      err.code === 49 ? 'invalid credentials: the service account DN or password is wrong' : `${err.message} (LDAP result ${err.code})`;
    throw new Failure('directory_unavailable', `service account bind refused: ${why}`);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A connection-level problem (refused, timed out, TLS), worded for an administrator. */
function unreachable(config: LdapProviderConfig, err: unknown): Failure {
  if (err instanceof Failure) return err;
  return new Failure(
    'directory_unavailable',
    `cannot connect to ${config.url}${config.startTls ? ' with StartTLS' : ''}: ${describe(err)}`,
  );
}

// Active Directory explains a refused bind with a "data NNN" sub-code in the diagnostic message.
const AD_REFUSALS: Record<string, string> = {
  '530': 'logon hours',
  '531': 'workstation',
  '532': 'password expired',
  '533': 'account disabled',
  '701': 'account expired',
  '773': 'password must be reset',
  '775': 'account locked',
};

/** A refused user bind: a wrong password unless the directory says the account may not sign in. */
function bindRefusal(err: unknown): Failure {
  if (err instanceof InvalidCredentialsError) {
    const code = /\bdata ([0-9a-f]{3,4})\b/i.exec(err.message)?.[1]?.toLowerCase();
    const why = code ? AD_REFUSALS[code] : undefined;
    return why ? new Failure('disabled', `directory refused the bind: ${why}`) : new Failure('bad_password', 'invalid credentials');
  }
  // busy / unavailable / network trouble are the directory's problem, not the person's.
  if (err instanceof ResultCodeError && err.code !== 51 && err.code !== 52)
    return new Failure('bad_password', `bind refused: ${err.message}`);
  return new Failure('directory_unavailable', `user bind failed: ${describe(err)}`);
}

// --- authentication --------------------------------------------------------------------------

export async function ldapAuthenticate(
  config: LdapProviderConfig,
  username: string,
  password: string,
  options: LdapOptions = {},
): Promise<LdapAuthResult> {
  const log = (options.log ?? silentLogger()).child({ provider: config.id, username: username.slice(0, 64) });
  let result: LdapAuthResult;
  if (username.length === 0 || username.length > MAX_USERNAME)
    result = { ok: false, reason: 'unknown_user', detail: 'username empty or too long' };
  // An empty password would be an unauthenticated bind, which the server answers with success.
  else if (password.length === 0 || password.length > MAX_PASSWORD)
    result = { ok: false, reason: 'bad_password', detail: 'password empty or too long' };
  else {
    try {
      result = { ok: true, identity: await withAttempt(config, (a) => authenticate(a, config, username, password)) };
    } catch (err) {
      result =
        err instanceof Failure
          ? { ok: false, reason: err.reason, detail: err.detail }
          : { ok: false, reason: 'directory_unavailable', detail: describe(err) };
    }
  }
  if (result.ok) log.info({ subject: result.identity.subject, groups: result.identity.groups.length }, 'ldap sign-in ok');
  else if (result.reason === 'directory_unavailable')
    log.error({ reason: result.reason, detail: result.detail }, 'ldap sign-in failed: directory unavailable');
  else log.info({ reason: result.reason, detail: result.detail }, 'ldap sign-in refused');
  return result;
}

async function authenticate(attempt: Attempt, config: LdapProviderConfig, username: string, password: string): Promise<ExternalIdentity> {
  const service = await attempt.connect();
  await bindService(service, config);
  const wanted = [
    config.usernameAttribute,
    config.displayNameAttribute,
    config.emailAttribute,
    'entryUUID',
    'objectGUID',
    ...(config.memberOfAttribute ? [config.memberOfAttribute] : []),
  ];
  // sizeLimit 2: enough to tell "exactly one" from "ambiguous" without reading the whole directory.
  const found = await service.search(config.userBase, {
    scope: 'sub',
    filter: fillFilter(config.userFilter, { username }),
    attributes: wanted,
    sizeLimit: 2,
    explicitBufferAttributes: ['objectGUID'],
  });
  if (found.searchEntries.length === 0) throw new Failure('unknown_user', 'no entry matches');
  if (found.searchEntries.length > 1) throw new Failure('unknown_user', 'several entries match; the user filter is ambiguous');
  const entry = found.searchEntries[0]!;

  // Checked before the password so that a disabled account never costs a bind (nor a lockout count).
  if (config.disabledFilter) {
    const hit = await service.search(entry.dn, { scope: 'base', filter: config.disabledFilter, attributes: ['1.1'] });
    if (hit.searchEntries.length > 0) throw new Failure('disabled', 'entry matches disabledFilter');
  }

  const user = await attempt.connect();
  try {
    await user.bind(entry.dn, password);
  } catch (err) {
    throw bindRefusal(err);
  }
  await user.unbind().catch(() => undefined);

  const name = values(entry, config.usernameAttribute)[0] ?? username;
  return {
    providerId: config.id,
    subject: values(entry, 'entryUUID')[0] ?? guidText(entry) ?? entry.dn,
    username: name,
    displayName: values(entry, config.displayNameAttribute)[0] ?? null,
    email: values(entry, config.emailAttribute)[0] ?? null,
    groups: await groupsOf(service, config, entry, name),
  };
}

async function groupsOf(service: Client, config: LdapProviderConfig, entry: Entry, username: string): Promise<string[]> {
  let names: string[] = [];
  if (config.memberOfAttribute) {
    names = values(entry, config.memberOfAttribute).map(firstRdnValue);
  } else if (config.groupBase) {
    const filter = fillFilter(config.groupFilter, { username, dn: entry.dn });
    const r = await service.search(config.groupBase, {
      scope: 'sub',
      filter,
      attributes: [config.groupNameAttribute],
      sizeLimit: MAX_GROUPS,
    });
    names = r.searchEntries.flatMap((g) => values(g, config.groupNameAttribute).slice(0, 1));
  }
  return [...new Set(names.filter((n) => n !== ''))].sort();
}

/** For an admin's "Test connection" button: connect (with TLS as configured), bind, find userBase. */
export async function testLdapConnection(config: LdapProviderConfig): Promise<LdapTestResult> {
  try {
    return await withAttempt(config, async (attempt) => {
      const client = await attempt.connect();
      await bindService(client, config);
      await client.search(config.userBase, { scope: 'base', attributes: ['1.1'] }).catch((err: unknown) => {
        throw err instanceof ResultCodeError
          ? new Failure('directory_unavailable', `userBase "${config.userBase}" not readable: ${err.message}`)
          : unreachable(config, err);
      });
      const as = config.bindDn === '' ? 'anonymously' : `as ${config.bindDn}`;
      return {
        ok: true as const,
        message: `Connected to ${config.url}${config.startTls ? ' (StartTLS)' : ''}, bound ${as}, found the user base.`,
      };
    });
  } catch (err) {
    return { ok: false, error: err instanceof Failure ? err.detail : describe(err) };
  }
}
