// "API tokens": personal tokens for scripts (name, created, expires, last used; never the token
// after creation), a form to create one (shown once, with copy) and revoke.
import { useState } from 'preact/hooks';
import { createToken, listTokens, revokeToken, type ApiTokenInfo } from '../../api/account.ts';
import { errorMessage } from '../../api/client.ts';
import { formatAgo, formatDateTime } from '../../modules/time.ts';
import { useLoad } from '../../modules/useLoad.ts';
import { Alert } from '../Alert.tsx';
import { Badge } from '../Badge.tsx';
import { Button } from '../Button.tsx';
import { ConfirmDialog } from '../ConfirmDialog.tsx';
import { CopyButton } from '../CopyButton.tsx';
import { DataTable, RowActions } from '../DataTable.tsx';
import { TextField } from '../TextField.tsx';

const EXPIRY = [
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
  { days: 0, label: 'Never' },
];

export function ApiTokensSection() {
  const { data: tokens, setData: setTokens, error: loadError, reload } = useLoad(listTokens);
  const [createError, setCreateError] = useState<string>();
  const error = createError ?? loadError;
  const [name, setName] = useState('');
  const [days, setDays] = useState(90);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ name: string; token: string }>();
  const [revoking, setRevoking] = useState<ApiTokenInfo>();

  const create = async (ev: Event) => {
    ev.preventDefault();
    if (!name.trim()) return setCreateError('Give the token a name, e.g. the script that uses it.');
    setBusy(true);
    setCreateError(undefined);
    try {
      const t = await createToken(name.trim(), days || undefined);
      setCreated({ name: name.trim(), token: t.token });
      setName('');
      await reload();
    } catch (e) {
      setCreateError(errorMessage(e));
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
        <DataTable columns={['Name', 'Created', 'Expires', 'Last used']} actions>
          {tokens.map((t) => (
            <tr key={t.id} data-testid="token-row" class={t.expired ? 'is-muted' : undefined}>
              <td class="cell-main">{t.name}</td>
              <td>{formatAgo(t.createdAt)}</td>
              <td>{t.expired ? <Badge tone="neutral">Expired</Badge> : t.expiresAt ? formatDateTime(t.expiresAt) : 'Never'}</td>
              <td>{t.lastUsedAt ? formatAgo(t.lastUsedAt) : 'Never'}</td>
              <RowActions>
                <Button size="sm" variant="subtle-danger" onClick={() => setRevoking(t)} aria-label={`Revoke token ${t.name}`}>
                  Revoke
                </Button>
              </RowActions>
            </tr>
          ))}
        </DataTable>
      )}
      <form class="token-form" onSubmit={(ev) => void create(ev)}>
        <TextField
          id="token-name"
          name="name"
          label="New token name"
          value={name}
          onValue={setName}
          placeholder="e.g. nightly-report"
          maxLength={100}
        />
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
