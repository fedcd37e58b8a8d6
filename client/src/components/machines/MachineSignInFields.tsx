// The sign-in part of the machine form: how Deskport signs in to the machine and, for a shared
// account, its username and write-only secrets (a private key only for SSH). Says when a stored
// secret is dropped on save because the mode or protocol no longer uses it.
import type { AdminMachine, CredentialMode } from '../../api/machines.ts';
import { secretsFor, type MachineDraft } from '../../modules/machineForm.ts';
import { ChoiceField } from '../ChoiceField.tsx';
import { TextField } from '../TextField.tsx';
import { SecretField } from './SecretField.tsx';

const MODES = [
  { value: 'shared', label: 'Shared account', help: 'Everyone signs in as one account you enter here.' },
  { value: 'per_user', label: 'Each person’s own', help: 'Each person enters theirs once; Deskport keeps it for them.' },
  {
    value: 'passthrough',
    label: 'Their directory sign-in (passthrough)',
    help: 'People who sign in with their directory (LDAP) account connect as themselves, with the password they signed in with. Others cannot use it.',
  },
  { value: 'none', label: 'No sign-in', help: 'The machine asks nothing, or asks on its own screen.' },
] as const satisfies readonly { value: CredentialMode; label: string; help: string }[];

interface Props {
  machine: AdminMachine | undefined;
  draft: MachineDraft;
  errors: Record<string, string>;
  /** Address, port or protocol changed: stored secrets are not kept, so they show as not set. */
  moved: boolean;
  set<K extends keyof MachineDraft>(key: K): (value: MachineDraft[K]) => void;
}

export function MachineSignInFields({ machine, draft, errors, moved, set }: Props) {
  const secrets = secretsFor(draft.protocol, draft.credentialMode);
  const dropped = [
    machine?.passwordSet && !secrets.includes('password') ? 'password' : '',
    machine?.privateKeySet && !secrets.includes('privateKey') ? 'private key' : '',
  ].filter(Boolean);
  return (
    <section class="form-section" aria-labelledby="machine-form-signin">
      <h3 id="machine-form-signin">Sign-in</h3>
      <ChoiceField
        id="machine-credential-mode"
        name="credentialMode"
        legend="How Deskport signs in to it"
        value={draft.credentialMode}
        choices={MODES}
        onValue={set('credentialMode')}
        error={errors.credentialMode}
      />
      {draft.credentialMode === 'shared' && (
        <div class="form-grid">
          <TextField
            id="machine-username"
            name="username"
            label={draft.protocol === 'vnc' ? 'Username (if the server asks)' : 'Username'}
            value={draft.username}
            onValue={set('username')}
            error={errors.username}
            maxLength={256}
            autocomplete="off"
            spellcheck={false}
            autoCapitalize="none"
          />
          {secrets.includes('password') && (
            <SecretField
              id="machine-password"
              name="password"
              label="Password"
              stored={(machine?.passwordSet ?? false) && !moved}
              value={draft.password}
              onValue={set('password')}
              error={errors.password}
              hint={draft.protocol === 'ssh' ? 'A password, a private key, or both.' : undefined}
            />
          )}
          {secrets.includes('privateKey') && (
            <SecretField
              id="machine-private-key"
              name="privateKey"
              label="Private key"
              multiline
              stored={(machine?.privateKeySet ?? false) && !moved}
              value={draft.privateKey}
              onValue={set('privateKey')}
              error={errors.privateKey}
              hint="OpenSSH or PEM, without a passphrase."
            />
          )}
        </div>
      )}
      {draft.credentialMode === 'passthrough' && (
        <p class="field__hint" data-testid="machine-passthrough-note">
          Deskport keeps each person’s directory password only while they are signed in, encrypted, and hands it to the machine when they
          connect.{draft.protocol === 'rdp' ? ' Set the domain above if the machine needs one.' : ''}
        </p>
      )}
      {dropped.length > 0 && (
        <p class="field__hint" data-testid="machine-secrets-dropped">
          The stored {dropped.join(' and ')} {dropped.length > 1 ? 'are' : 'is'} no longer used and will be removed when you save.
        </p>
      )}
    </section>
  );
}
