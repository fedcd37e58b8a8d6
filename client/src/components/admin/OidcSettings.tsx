// The OpenID Connect part of the provider form: issuer and client, the redirect URI to register at
// the provider, the claims Deskport reads, and sign-out. Defaults are the placeholders.
import { OIDC_DEFAULTS, type Errors, type OidcDraft, type TokenAuth } from '../../modules/identityForm.ts';
import { CheckField } from '../CheckField.tsx';
import { CopyButton } from '../CopyButton.tsx';
import { SelectField } from '../SelectField.tsx';
import { TextField } from '../TextField.tsx';

const AUTH_OPTIONS: { value: TokenAuth; label: string }[] = [
  { value: 'client_secret_basic', label: 'client_secret_basic (default)' },
  { value: 'client_secret_post', label: 'client_secret_post' },
];

interface Props {
  draft: OidcDraft;
  onChange(next: OidcDraft): void;
  errors: Errors;
  secretSet: boolean;
  /** The gateway's exact callback URL (saved providers), or a preview built from this page's address. */
  redirectUri: { url: string; exact: boolean } | undefined;
}

export function OidcSettings({ draft, onChange, errors, secretSet, redirectUri }: Props) {
  const set =
    <K extends keyof OidcDraft>(key: K) =>
    (value: OidcDraft[K]): void =>
      onChange({ ...draft, [key]: value });
  return (
    <>
      <section class="form-section" aria-labelledby="idp-oidc-client">
        <h3 id="idp-oidc-client">Provider and client</h3>
        <div class="form-grid">
          <TextField
            id="idp-issuer"
            name="issuer"
            label="Issuer URL"
            value={draft.issuer}
            onValue={set('issuer')}
            error={errors.issuer}
            class="span-2"
            autocomplete="off"
            spellcheck={false}
            placeholder="https://login.example.com/realms/corp"
            hint="Deskport reads its settings from <issuer>/.well-known/openid-configuration. Must be https."
          />
          <TextField
            id="idp-client-id"
            name="clientId"
            label="Client ID"
            value={draft.clientId}
            onValue={set('clientId')}
            error={errors.clientId}
            autocomplete="off"
            spellcheck={false}
            placeholder="deskport"
          />
          <TextField
            id="idp-client-secret"
            name="clientSecret"
            label="Client secret"
            type="password"
            value={draft.clientSecret}
            onValue={set('clientSecret')}
            error={errors.clientSecret}
            autocomplete="new-password"
            placeholder={secretSet ? 'Set — leave empty to keep' : 'Not set'}
            hint={secretSet ? 'A secret is stored. Type a new one only to replace it.' : 'Leave empty for a public client (PKCE only).'}
          />
          <SelectField
            id="idp-token-auth"
            name="tokenEndpointAuthMethod"
            label="Client authentication"
            value={draft.tokenEndpointAuthMethod}
            options={AUTH_OPTIONS}
            onValue={set('tokenEndpointAuthMethod')}
            error={errors.tokenEndpointAuthMethod}
            hint="Basic: in an Authorization header; post: in the request body."
          />
          <CheckField
            id="idp-allow-http"
            name="allowHttpIssuer"
            label="Allow http:// for a loopback issuer"
            help="Only for testing with a provider on this machine (127.0.0.1, localhost)."
            checked={draft.allowHttpIssuer}
            onValue={set('allowHttpIssuer')}
            error={errors.allowHttpIssuer}
          />
        </div>
      </section>
      <section class="form-section" aria-labelledby="idp-oidc-redirect">
        <h3 id="idp-oidc-redirect">Redirect URI</h3>
        {redirectUri ? (
          <div class="copy-value" data-testid="idp-redirect-uri">
            <div class="copy-value__text">
              <code>{redirectUri.url}</code>
              <span class="field__hint">
                {redirectUri.exact
                  ? 'Register this exact URL as a redirect (callback) URI of the client at your provider.'
                  : 'Preview from this page’s address. After saving, Deskport shows the exact URL from its public URL setting.'}
              </span>
            </div>
            <CopyButton text={redirectUri.url} label="Copy redirect URI" />
          </div>
        ) : (
          <p class="field__hint">Type an ID above to see the redirect URI to register at your provider.</p>
        )}
      </section>
      <section class="form-section" aria-labelledby="idp-oidc-claims">
        <h3 id="idp-oidc-claims">Scopes and claims</h3>
        <div class="form-grid">
          <TextField
            id="idp-scopes"
            name="scopes"
            label="Scopes"
            value={draft.scopes}
            onValue={set('scopes')}
            error={errors.scopes}
            autocomplete="off"
            spellcheck={false}
            placeholder={OIDC_DEFAULTS.scopes}
            hint="Space-separated; must include openid. Some providers need an extra scope (e.g. groups) to send groups."
          />
          <TextField
            id="idp-username-claim"
            name="usernameClaim"
            label="Username claim"
            value={draft.usernameClaim}
            onValue={set('usernameClaim')}
            error={errors.usernameClaim}
            autocomplete="off"
            spellcheck={false}
            placeholder={OIDC_DEFAULTS.usernameClaim}
            hint="Becomes the Deskport username (email is the fallback)."
          />
          <TextField
            id="idp-groups-claim"
            name="groupsClaim"
            label="Groups claim"
            value={draft.groupsClaim}
            onValue={set('groupsClaim')}
            error={errors.groupsClaim}
            autocomplete="off"
            spellcheck={false}
            placeholder={OIDC_DEFAULTS.groupsClaim}
            hint="A claim name or dotted path, e.g. realm_access.roles. Its values are what group mappings match."
          />
        </div>
      </section>
      <section class="form-section" aria-labelledby="idp-oidc-signout">
        <h3 id="idp-oidc-signout">Sign-out</h3>
        <CheckField
          id="idp-end-session"
          name="endSessionRedirect"
          label="Also sign out at the provider"
          help="On Deskport sign-out, send the browser to the provider’s end-session endpoint too."
          checked={draft.endSessionRedirect}
          onValue={set('endSessionRedirect')}
          error={errors.endSessionRedirect}
        />
      </section>
    </>
  );
}
