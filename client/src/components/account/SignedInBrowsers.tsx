// "Signed-in browsers": every live sign-in of this account (this one marked), where and when it
// started and was last used, with sign-out per browser and "Sign out everywhere else".
import { useState } from 'preact/hooks';
import { browserLabel, listBrowsers, revokeBrowser, revokeOtherBrowsers, type SignedInBrowser } from '../../api/account.ts';
import { errorMessage } from '../../api/client.ts';
import { formatAgo } from '../../modules/time.ts';
import { useLoad } from '../../modules/useLoad.ts';
import { Alert } from '../Alert.tsx';
import { Badge } from '../Badge.tsx';
import { Button } from '../Button.tsx';
import { ConfirmDialog } from '../ConfirmDialog.tsx';
import { DataTable, RowActions } from '../DataTable.tsx';

export function SignedInBrowsers() {
  const { data: items, setData: setItems, error: loadError, reload } = useLoad(listBrowsers);
  const [revokeError, setRevokeError] = useState<string>();
  const error = revokeError ?? loadError;
  const [note, setNote] = useState<string>();
  const [busyId, setBusyId] = useState<string>();
  const [confirmAll, setConfirmAll] = useState(false);

  const revoke = async (b: SignedInBrowser) => {
    setBusyId(b.id);
    setRevokeError(undefined);
    try {
      await revokeBrowser(b.id);
      setItems((xs) => xs?.filter((x) => x.id !== b.id));
      setNote(`${browserLabel(b.userAgent)} was signed out.`);
    } catch (e) {
      setRevokeError(errorMessage(e));
    } finally {
      setBusyId(undefined);
    }
  };

  const others = items?.filter((b) => !b.current).length ?? 0;
  return (
    <section class="card stack" aria-labelledby="browsers-title" data-testid="signed-in-browsers">
      <div class="section-row">
        <div>
          <h2 id="browsers-title" class="card__title">
            Signed-in browsers
          </h2>
          <p class="muted small">Where your account is signed in now. Sign out any you don't recognise, then change your password.</p>
        </div>
        <Button onClick={() => setConfirmAll(true)} disabled={others === 0} data-testid="sign-out-others">
          Sign out everywhere else
        </Button>
      </div>
      {error && <Alert>{error}</Alert>}
      {note && (
        <Alert tone="success" onDismiss={() => setNote(undefined)}>
          {note}
        </Alert>
      )}
      {items && (
        <DataTable columns={['Browser', 'Address', 'Signed in', 'Last active']} actions>
          {items.map((b) => (
            <tr key={b.id} data-testid="browser-row">
              <td>
                <div class="cell-main" title={b.userAgent ?? undefined}>
                  {browserLabel(b.userAgent)} {b.current && <Badge tone="green">This browser</Badge>}
                </div>
              </td>
              <td class="mono">{b.ip ?? '—'}</td>
              <td>{formatAgo(b.createdAt)}</td>
              <td>{b.current ? 'Now' : formatAgo(b.lastSeenAt)}</td>
              <RowActions>
                {!b.current && (
                  <Button
                    size="sm"
                    variant="subtle-danger"
                    busy={busyId === b.id}
                    onClick={() => void revoke(b)}
                    aria-label={`Sign out ${browserLabel(b.userAgent)} at ${b.ip ?? 'unknown address'}`}
                  >
                    Sign out
                  </Button>
                )}
              </RowActions>
            </tr>
          ))}
        </DataTable>
      )}
      {confirmAll && (
        <ConfirmDialog
          title="Sign out everywhere else?"
          confirmLabel="Sign out other browsers"
          failureTitle="Other browsers were not signed out"
          onClose={() => setConfirmAll(false)}
          onConfirm={async () => {
            const n = await revokeOtherBrowsers();
            setRevokeError(undefined);
            setNote(`${n} other ${n === 1 ? 'browser was' : 'browsers were'} signed out. Remembered browsers will ask for a code again.`);
            await reload();
          }}
        >
          Every other browser signed in as you is signed out at once, and browsers remembered for two-step verification must enter a code
          again. This browser stays signed in.
        </ConfirmDialog>
      )}
    </section>
  );
}
