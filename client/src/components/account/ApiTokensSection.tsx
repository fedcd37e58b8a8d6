// "API tokens": personal tokens for scripts (name, created, expires, last used; never the token
// after creation), a form to create one (shown once, with copy) and revoke.
import { useEffect, useState } from 'preact/hooks';
import { createToken, listTokens, revokeToken, type ApiTokenInfo } from '../../api/account.ts';
import { errorMessage } from '../../api/client.ts';
import { formatAgo, formatDateTime } from '../../modules/time.ts';
import { Alert } from '../Alert.tsx';
import { Badge } from '../Badge.tsx';
import { Button } from '../Button.tsx';
import { ConfirmDialog } from '../ConfirmDialog.tsx';
import { CopyButton } from '../CopyButton.tsx';
import { TextField } from '../TextField.tsx';

const EXPIRY = [
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
  { days: 0, label: 'Never' },
];

export function ApiTokensSection() {
  const [tokens, setTokens] = useState<ApiTokenInfo[]>();
  const [error, setError] = useState<string>();
  const [name, setName] = useState('');
  const [days, setDays] = useState(90);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ name: string; token: string }>();
  const [revoking, setRevoking] = useState<ApiTokenInfo>();

  const load = async (signal?: AbortSignal) => {
    try {
      setTokens(await listTokens(signal));
    } catch (e) {
      if (!signal?.aborted) setError(errorMessage(e));
    }
  };
  useEffect(() => {
    const ac = new AbortController();
    void load(ac.signal);
    return () => ac.abort();
  }, []);

  const create = async (ev: Event) => {
    ev.preventDefault();
    if (!name.trim()) return setError('Give the token a name, e.g. the script that uses it.');
    setBusy(true);
    setError(undefined);
    try {
      const t = await createToken(name.trim(), days || undefined);
      setCreated({ name: name.trim(), token: t.token });
      setName('');
      await load();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card stack" aria-labelledby="tokens-title" data-testid="api-tokens">
      <div>
        <h2 id="tokens-title" class="card__title">
          API tokens
        </h2>
        <p class="muted small">
          For scripts: send <code>Authorization: Bearer TOKEN</code>. A token acts as you; revoke it when the script is retired.
        </p>
      </div>
      {error && <Alert>{error}</Alert>}
      {created && (
        <Alert tone="success" title={`Token “${created.name}” created`} onDismiss={() => setCreated(undefined)}>
          Copy it now: it is not shown again.
          <div class="token-once">
            <code data-testid="new-token">{created.token}</code>
            <CopyButton text={created.token} label="Copy the token" />
          </div>
        </Alert>
      )}
      {tokens && tokens.length === 0 && <p class="muted">No tokens yet.</p>}
      {tokens && tokens.length > 0 && (
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col" class="table__actions-col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id} data-testid="token-row" class={t.expired ? 'is-muted' : undefined}>
                  <td class="cell-main">{t.name}</td>
                  <td>{formatAgo(t.createdAt)}</td>
                  <td>{t.expired ? <Badge tone="neutral">Expired</Badge> : t.expiresAt ? formatDateTime(t.expiresAt) : 'Never'}</td>
                  <td>{t.lastUsedAt ? formatAgo(t.lastUsedAt) : 'Never'}</td>
                  <td class="table__actions">
                    <Button size="sm" variant="subtle-danger" onClick={() => setRevoking(t)} aria-label={`Revoke token ${t.name}`}>
                      Revoke
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form class="token-form" onSubmit={(ev) => void create(ev)}>
        <TextField id="token-name" name="name" label="New token name" value={name} onValue={setName} placeholder="e.g. nightly-report" maxLength={100} />
        <div class="field">
          <label class="field__label" for="token-expiry">
            Expires after
          </label>
          <select id="token-expiry" class="input" value={String(days)} onChange={(ev) => setDays(Number(ev.currentTarget.value))}>
            {EXPIRY.map((e) => (
              <option key={e.days} value={String(e.days)}>
                {e.label}
              </option>
            ))}
          </select>
        </div>
        <Button type="submit" busy={busy}>
          Create token
        </Button>
      </form>
      {revoking && (
        <ConfirmDialog
          title={`Revoke “${revoking.name}”?`}
          confirmLabel="Revoke token"
          failureTitle="The token was not revoked"
          onClose={() => setRevoking(undefined)}
          onConfirm={async () => {
            await revokeToken(revoking.id);
            setTokens((ts) => ts?.filter((x) => x.id !== revoking.id));
          }}
        >
          Scripts using it stop working at once.
        </ConfirmDialog>
      )}
    </section>
  );
}
