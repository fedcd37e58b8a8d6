// "Add provider", step one: OpenID Connect or LDAP / Active Directory, each with what it means for
// the people signing in.
import { useEffect, useRef } from 'preact/hooks';
import type { ProviderKind } from '../../api/adminIdentity.ts';
import { Button } from '../Button.tsx';

const KINDS: { kind: ProviderKind; title: string; text: string; examples: string }[] = [
  {
    kind: 'oidc',
    title: 'OpenID Connect',
    text: 'People click “Sign in with …” and sign in on the provider’s page, with its MFA and policies.',
    examples: 'Microsoft Entra ID, Okta, Keycloak, Google Workspace, Authentik, ADFS',
  },
  {
    kind: 'ldap',
    title: 'LDAP / Active Directory',
    text: 'People type their directory username and password on the Deskport sign-in page; Deskport checks them with the directory.',
    examples: 'Active Directory, OpenLDAP, FreeIPA, 389 Directory Server',
  },
];

export function ProviderKindChooser({ onChoose, onCancel }: { onChoose(kind: ProviderKind): void; onCancel(): void }) {
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), []);
  return (
    <section class="card idp-chooser" aria-labelledby="idp-chooser-title" data-testid="idp-chooser">
      <div class="idp-chooser__head">
        <h2 id="idp-chooser-title" class="card__title">
          Add a provider
        </h2>
        <Button variant="ghost" size="sm" onClick={onCancel}>
          Cancel
        </Button>
      </div>
      <div class="idp-chooser__options">
        {KINDS.map((k, i) => (
          <button
            key={k.kind}
            ref={i === 0 ? first : undefined}
            type="button"
            class="idp-chooser__option"
            onClick={() => onChoose(k.kind)}
            data-testid={`idp-choose-${k.kind}`}
          >
            <span class="idp-chooser__title">{k.title}</span>
            <span class="idp-chooser__text">{k.text}</span>
            <span class="idp-chooser__examples">{k.examples}</span>
          </button>
        ))}
      </div>
    </section>
  );
}
