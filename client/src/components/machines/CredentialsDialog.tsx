// "Enter your credentials" for a machine that asks each person for their own login: username and
// password (or, for SSH, a private key), saved by the gateway for this person and never shown again.
// When some are saved already, the same dialog replaces them or forgets them.
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage } from '../../api/client.ts';
import { fieldProblems } from '../../api/fieldErrors.ts';
import { forgetMyCredentials, saveMyCredentials, type UserMachine } from '../../api/machines.ts';
import { credentialsBody, EMPTY_CREDENTIALS, type CredentialsDraft } from '../../modules/machineCredentials.ts';
import { Alert } from '../Alert.tsx';
import { Button } from '../Button.tsx';
import { FieldNote, fieldAria } from '../FieldNote.tsx';
import { TextField } from '../TextField.tsx';

interface Props {
  machine: UserMachine;
  /** Saved or forgotten: the list should be read again. */
  onChanged(message: string): void;
  onClose(): void;
}

export function CredentialsDialog({ machine, onChanged, onClose }: Props) {
  const [draft, setDraft] = useState<CredentialsDraft>(EMPTY_CREDENTIALS);
  const [errors, setErrors] = useState<Partial<Record<keyof CredentialsDraft, string>>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState<'save' | 'forget'>();
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  const ssh = machine.protocol === 'ssh';
  const set =
    <K extends keyof CredentialsDraft>(key: K) =>
    (value: CredentialsDraft[K]): void =>
      setDraft((d) => ({ ...d, [key]: value }));

  useEffect(() => {
    document.getElementById('my-credentials-username')?.focus();
    const onKey = (ev: KeyboardEvent): void => {
      if (ev.key === 'Escape') closeRef.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const run = async (what: 'save' | 'forget', action: () => Promise<void>, done: string): Promise<void> => {
    setBusy(what);
    setError(undefined);
    try {
      await action();
      onChanged(done);
      onClose();
    } catch (e) {
      const problems = fieldProblems(e).byField;
      if (Object.keys(problems).length > 0) setErrors(problems);
      else setError(errorMessage(e));
      setBusy(undefined);
    }
  };

  const submit = (ev: Event): void => {
    ev.preventDefault();
    const result = credentialsBody(machine.protocol, draft);
    setErrors(result.ok ? {} : result.errors);
    if (result.ok) void run('save', () => saveMyCredentials(machine.id, result.body), `Your credentials for ${machine.name} are saved.`);
  };

  const forget = (): void =>
    void run('forget', () => forgetMyCredentials(machine.id), `Deskport no longer keeps your credentials for ${machine.name}.`);

  return (
    <div class="modal-backdrop" onClick={(ev) => ev.target === ev.currentTarget && !busy && onClose()}>
      <div class="modal" role="dialog" aria-modal="true" aria-labelledby="my-credentials-title" data-testid="credentials-dialog">
        <form class="modal__form" onSubmit={submit} noValidate>
          <h2 id="my-credentials-title" class="modal__title">
            {machine.credentialsSaved ? 'Change your credentials' : 'Your credentials'} for {machine.name}
          </h2>
          <p class="modal__body">
            {machine.name} asks each person for their own login. Deskport keeps it encrypted for you and signs you in with it; nobody, not
            even an administrator, can read it back.
          </p>
          <TextField
            id="my-credentials-username"
            name="username"
            label="Username"
            value={draft.username}
            onValue={set('username')}
            error={errors.username}
            autocomplete="off"
            autoCapitalize="none"
            spellcheck={false}
            maxLength={256}
          />
          {ssh && (
            <div class="segmented" role="radiogroup" aria-label="Sign in with">
              {[
                { key: false, label: 'Password' },
                { key: true, label: 'Private key' },
              ].map((o) => (
                <label key={o.label} class={draft.useKey === o.key ? 'segmented__item is-checked' : 'segmented__item'}>
                  <input type="radio" name="useKey" checked={draft.useKey === o.key} onChange={() => set('useKey')(o.key)} />
                  {o.label}
                </label>
              ))}
            </div>
          )}
          {ssh && draft.useKey ? (
            <div class="field">
              <label class="field__label" for="my-credentials-key">
                Private key
              </label>
              <textarea
                id="my-credentials-key"
                name="privateKey"
                class="input input--key"
                rows={5}
                spellcheck={false}
                value={draft.privateKey}
                onInput={(ev) => set('privateKey')(ev.currentTarget.value)}
                placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
                {...fieldAria('my-credentials-key', 'OpenSSH or PEM, without a passphrase.', errors.privateKey)}
              />
              <FieldNote id="my-credentials-key" hint="OpenSSH or PEM, without a passphrase." error={errors.privateKey} />
            </div>
          ) : (
            <TextField
              id="my-credentials-password"
              name="password"
              type="password"
              label="Password"
              value={draft.password}
              onValue={set('password')}
              error={errors.password}
              autocomplete="new-password"
              maxLength={1024}
            />
          )}
          {error && <Alert title="Your credentials were not changed">{error}</Alert>}
          <div class="modal__actions">
            {machine.credentialsSaved && (
              <Button
                variant="subtle-danger"
                class="modal__aside"
                busy={busy === 'forget'}
                disabled={busy === 'save'}
                onClick={forget}
                data-testid="forget-credentials"
              >
                Forget my credentials
              </Button>
            )}
            <button type="button" class="btn btn--secondary btn--md" onClick={onClose} disabled={busy !== undefined}>
              Cancel
            </button>
            <Button type="submit" variant="primary" busy={busy === 'save'} disabled={busy === 'forget'}>
              Save
            </Button>
          </div>
        </form>
      </div>
    </div>
  );
}
