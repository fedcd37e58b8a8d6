// Add or edit an identity provider: name, id and order, then the OIDC or LDAP settings in sections.
// The gateway's 400 details (`config.url`, …) are shown under the field they concern; secrets are
// never shown, only whether one is stored.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { createProvider, updateProvider, type IdentityProvider, type ProviderKind } from '../../api/adminIdentity.ts';
import { errorMessage, isApiError } from '../../api/client.ts';
import { friendlyProblem } from '../../api/fieldErrors.ts';
import {
  draftFromProvider,
  inputFromDraft,
  labelSettings,
  patchFromInput,
  providerFieldErrors,
  slugify,
  type Errors,
  type ProviderDraft,
} from '../../modules/identityForm.ts';
import { Button } from '../Button.tsx';
import { CheckField } from '../CheckField.tsx';
import { FailureAlert, type FormFailure } from '../FailureAlert.tsx';
import { TextField } from '../TextField.tsx';
import { LdapSettings } from './LdapSettings.tsx';
import { OidcSettings } from './OidcSettings.tsx';

export const KIND_LABEL: Record<ProviderKind, string> = { oidc: 'OpenID Connect', ldap: 'LDAP / Active Directory' };

const SHOWN_COMMON = ['name', 'id', 'position', 'enabled'];
const SHOWN_OIDC = [
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
const SHOWN_LDAP = [
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
  'disabledFilter',
  'timeoutMs',
];

/** Fields the form shows right now; problems with any other go in the list at the top. */
function shownFields(d: ProviderDraft): string[] {
  if (d.kind === 'oidc') return [...SHOWN_COMMON, ...SHOWN_OIDC];
  const groups =
    d.ldap.groupMode === 'search'
      ? ['groupBase', 'groupFilter', 'groupNameAttribute']
      : d.ldap.groupMode === 'memberOf'
        ? ['memberOfAttribute']
        : [];
  return [...SHOWN_COMMON, ...SHOWN_LDAP, ...groups];
}

type Props = { kind: ProviderKind; provider?: undefined } | { kind?: undefined; provider: IdentityProvider };

interface Handlers {
  onSaved(provider: IdentityProvider, created: boolean): void;
  onCancel(): void;
  onDirty?(dirty: boolean): void;
}

export function IdentityProviderForm({ kind: newKind, provider, onSaved, onCancel, onDirty }: Props & Handlers) {
  const kind: ProviderKind = provider ? provider.kind : (newKind ?? 'oidc');
  const initial = useMemo(() => draftFromProvider(kind, provider), [provider]);
  const [draft, setDraft] = useState<ProviderDraft>(initial);
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<FormFailure>();
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const dirty = JSON.stringify(draft) !== JSON.stringify(initial);
  useEffect(() => onDirty?.(dirty), [dirty]);

  useEffect(() => {
    if (provider) return;
    formRef.current?.scrollIntoView({ block: 'start', behavior: 'smooth' });
    formRef.current?.querySelector<HTMLInputElement>('input')?.focus({ preventScroll: true });
  }, []);

  useEffect(() => {
    // Take the admin to the first field that needs a fix.
    const first = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    first?.scrollIntoView({ block: 'center', behavior: 'smooth' });
    first?.focus({ preventScroll: true });
  }, [errors]);

  const discard = (): void => {
    setDraft(initial);
    setErrors({});
    setFailure(undefined);
  };
  const setName = (name: string): void => setDraft((d) => ({ ...d, name, id: d.idEdited ? d.id : slugify(name) }));

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    const result = inputFromDraft(draft);
    if (!result.ok) {
      setErrors(result.errors);
      setFailure({ message: 'Some fields need a fix before the provider can be saved; see the notes under them.', lines: [] });
      return;
    }
    setBusy(true);
    setErrors({});
    setFailure(undefined);
    try {
      const saved = provider ? await updateProvider(provider.id, patchFromInput(result.input)) : await createProvider(result.input);
      onSaved(saved, !provider);
    } catch (e) {
      const problems = providerFieldErrors(isApiError(e) ? e.details : undefined, (p) => labelSettings(friendlyProblem(p)));
      if (isApiError(e) && e.code === 'provider_exists') problems.byField.id = 'is already used by another provider; choose another';
      const shown = shownFields(draft);
      const lines = [
        ...Object.entries(problems.byField)
          .filter(([f]) => !shown.includes(f))
          .map(([f, p]) => `${f}: ${p}`),
        ...problems.other,
      ];
      setErrors(problems.byField);
      const placed = Object.keys(problems.byField).some((f) => shown.includes(f));
      setFailure({
        message: placed ? 'The gateway did not accept some settings; see the notes under the fields.' : errorMessage(e),
        lines,
      });
      setBusy(false);
    }
  };

  const slugOk = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/.test(draft.id);
  const redirectUri = provider?.redirectUri
    ? { url: provider.redirectUri, exact: true }
    : !provider && slugOk
      ? { url: `${location.origin}/api/v1/auth/oidc/${draft.id}/callback`, exact: false }
      : undefined;
  const title = provider ? 'Settings' : `Add ${KIND_LABEL[kind]} provider`;
  return (
    <form
      ref={formRef}
      class="card pool-form idp-form"
      onSubmit={(ev) => void submit(ev)}
      aria-labelledby="idp-form-title"
      data-testid="idp-form"
      data-kind={kind}
      data-mode={provider ? 'edit' : 'create'}
      noValidate
    >
      <h2 id="idp-form-title" class="card__title">
        {title}
      </h2>
      {failure && (
        <div data-testid="idp-form-failure">
          <FailureAlert title="The provider was not saved" failure={failure} />
        </div>
      )}
      <section class="form-section" aria-labelledby="idp-form-general">
        <h3 id="idp-form-general">General</h3>
        <div class="form-grid idp-form__general">
          <TextField
            id="idp-name"
            name="name"
            label="Name"
            value={draft.name}
            onValue={setName}
            error={errors.name}
            maxLength={64}
            autocomplete="off"
            placeholder={kind === 'oidc' ? 'e.g. Company SSO' : 'e.g. Corporate directory'}
            hint={kind === 'oidc' ? 'Shown on the sign-in button: “Sign in with …”.' : 'Shown in the audit log and on the sign-in page.'}
          />
          {provider ? (
            <div class="field">
              <span class="field__label">ID</span>
              <code class="idp-form__id">{provider.id}</code>
              <span class="field__hint">Fixed once created{kind === 'oidc' ? '; part of the redirect URI' : ''}.</span>
            </div>
          ) : (
            <TextField
              id="idp-id"
              name="id"
              label="ID"
              value={draft.id}
              onValue={(id) => setDraft((d) => ({ ...d, id, idEdited: true }))}
              error={errors.id}
              maxLength={48}
              autocomplete="off"
              spellcheck={false}
              placeholder="e.g. corp-sso"
              hint={`Lowercase letters, digits and -. Cannot be changed later${kind === 'oidc' ? '; part of the redirect URI' : ''}.`}
            />
          )}
          <TextField
            id="idp-position"
            name="position"
            label="Order"
            value={draft.position}
            onValue={(position) => setDraft((d) => ({ ...d, position }))}
            error={errors.position}
            inputMode="numeric"
            hint={
              kind === 'ldap' ? 'Lower first on the sign-in page; directories are tried in this order.' : 'Lower first on the sign-in page.'
            }
          />
          <CheckField
            id="idp-enabled"
            name="enabled"
            label="Enabled"
            help="Disabled providers are hidden from the sign-in page and refuse sign-in."
            checked={draft.enabled}
            onValue={(enabled) => setDraft((d) => ({ ...d, enabled }))}
            error={errors.enabled}
          />
        </div>
      </section>
      {kind === 'oidc' ? (
        <OidcSettings
          draft={draft.oidc}
          onChange={(oidc) => setDraft((d) => ({ ...d, oidc }))}
          errors={errors}
          secretSet={provider?.secretSet ?? false}
          redirectUri={redirectUri}
        />
      ) : (
        <LdapSettings
          draft={draft.ldap}
          onChange={(ldap) => setDraft((d) => ({ ...d, ldap }))}
          errors={errors}
          secretSet={provider?.secretSet ?? false}
        />
      )}
      <div class="form-actions">
        {provider && dirty && <span class="idp-form__unsaved">Unsaved changes</span>}
        <Button variant="ghost" onClick={provider ? discard : onCancel} disabled={busy || (provider !== undefined && !dirty)}>
          {provider ? 'Discard changes' : 'Cancel'}
        </Button>
        <Button type="submit" variant="primary" busy={busy} disabled={provider !== undefined && !dirty} data-testid="idp-save">
          {provider ? 'Save settings' : 'Add provider'}
        </Button>
      </div>
    </form>
  );
}
