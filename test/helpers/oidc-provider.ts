// Test harness: a real OpenID Connect provider (the `oidc-provider` package) in-process on
// 127.0.0.1, with two registered clients, a fixed accounts table and a plain HTML login form.
//
// Login form (for HTTP tests and Chromium tests alike), at GET {issuer}/interaction/:uid:
//   <form id="login" method="post" action="/interaction/:uid/login">
//     <input name="username" id="username"> <input name="password" id="password" type="password">
//     <button type="submit" id="sign-in">Sign in</button>
//   </form>
//   <form id="cancel" method="post" action="/interaction/:uid/abort"><button id="cancel-button">Cancel</button></form>
// A wrong username or password shows the form again (status 200) with `<p id="error">`. Cancel
// ends the attempt with `error=access_denied`. Consent is granted automatically (first-party).
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Provider, { type ClientMetadata, type Configuration } from 'oidc-provider';

export interface TestAccount {
  /** The OIDC `sub`, deliberately different from the login name. */
  sub: string;
  password: string;
  name: string;
  email: string;
  groups: string[];
}

export const OIDC_ACCOUNTS: Readonly<Record<string, TestAccount>> = {
  alice: {
    sub: 'sub-alice-7f3a',
    password: 'alice-password',
    name: 'Alice Liddell',
    email: 'alice@example.test',
    groups: ['engineers', 'desk-admins'],
  },
  bob: { sub: 'sub-bob-21c9', password: 'bob-password', name: 'Bob Builder', email: 'bob@example.test', groups: ['engineers'] },
};

export const CONFIDENTIAL_CLIENT = {
  clientId: 'deskport-confidential',
  clientSecret: 'confidential-client-secret-for-tests-only',
} as const;
export const PUBLIC_CLIENT = { clientId: 'deskport-public' } as const;

/** Deskport's provider entry `corp` for the confidential client of the provider at `issuer` (before oidcProviderSchema). */
export const corpProvider = (issuer: string) => ({
  id: 'corp',
  name: 'Corp SSO',
  issuer,
  ...CONFIDENTIAL_CLIENT,
  scopes: 'openid profile email groups',
  allowHttpIssuer: true,
  endSessionRedirect: true,
});

export interface TestOidcProvider {
  issuer: string;
  provider: Provider;
  stop(): Promise<void>;
}

export interface TestOidcProviderOptions {
  /** Allowed redirect URIs of both clients. */
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  /** Listen on this port (default: any free one). */
  port?: number;
}

const bySub = new Map(Object.entries(OIDC_ACCOUNTS).map(([login, a]) => [a.sub, { login, ...a }]));

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid: string, error?: string): string {
  const u = encodeURIComponent(uid);
  return `<!doctype html><html><head><meta charset="utf-8"><title>Test IdP sign-in</title></head><body>
<h1>Test identity provider</h1>${error ? `<p id="error">${esc(error)}</p>` : ''}
<form id="login" method="post" action="/interaction/${u}/login">
<label>Username <input name="username" id="username" autocomplete="username"></label>
<label>Password <input name="password" id="password" type="password" autocomplete="current-password"></label>
<button type="submit" id="sign-in">Sign in</button>
</form>
<form id="cancel" method="post" action="/interaction/${u}/abort"><button type="submit" id="cancel-button">Cancel</button></form>
</body></html>`;
}

export async function startOidcProvider(opts: TestOidcProviderOptions): Promise<TestOidcProvider> {
  const app = express();
  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  const clientBase: Omit<ClientMetadata, 'client_id'> = {
    redirect_uris: opts.redirectUris,
    post_logout_redirect_uris: opts.postLogoutRedirectUris ?? [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  };
  const configuration: Configuration = {
    clients: [
      {
        ...clientBase,
        client_id: CONFIDENTIAL_CLIENT.clientId,
        client_secret: CONFIDENTIAL_CLIENT.clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
      },
      { ...clientBase, client_id: PUBLIC_CLIENT.clientId, token_endpoint_auth_method: 'none' },
    ],
    jwks: { keys: [{ ...jwk, kid: 'test-key-1', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: ['test-cookie-key-not-secret'] },
    // Every client, confidential ones too, must use PKCE (S256 is the only method v9 knows).
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'email', 'groups'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'], groups: ['groups'] },
    // Put the scope's claims in the ID token itself (the default keeps them for userinfo only).
    conformIdTokenClaims: false,
    // Explicit lifetimes (seconds); the defaults work too but print a notice each.
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const a = bySub.get(sub);
      if (!a) return undefined;
      return {
        accountId: sub,
        claims: () => ({ sub, name: a.name, preferred_username: a.login, email: a.email, email_verified: true, groups: a.groups }),
      };
    },
  };
  const provider = new Provider(issuer, configuration);

  const form = express.urlencoded({ extended: false, limit: '4kb' });
  app.get('/interaction/:uid', async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      res.type('html').send(loginPage(details.uid));
      return;
    }
    // Consent: a first-party test IdP grants whatever was asked.
    const { accountId } = details.session ?? {};
    if (!accountId) throw new Error('consent without a login');
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    if (!grant) throw new Error('grant vanished');
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  });
  app.post('/interaction/:uid/login', form, async (req, res) => {
    const details = await provider.interactionDetails(req, res);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const login = typeof body.username === 'string' ? body.username : '';
    const account = Object.hasOwn(OIDC_ACCOUNTS, login) ? OIDC_ACCOUNTS[login] : undefined;
    if (!account || body.password !== account.password) {
      res.type('html').send(loginPage(details.uid, 'Wrong username or password.'));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
  });
  app.post('/interaction/:uid/abort', async (req, res) => {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The user cancelled the sign-in.' },
      { mergeWithLastSubmission: false },
    );
  });
  app.use(provider.callback());

  return {
    issuer,
    provider,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
