// Admin console, hosts: every enrolled host with its state, refreshed every 5 s; drain, cordon,
// uncordon and remove; and "Add a host" for a one-time enrollment token.
import { useCallback, useState } from 'preact/hooks';
import { changeHostState, deleteHost, listHosts, type Host, type HostAction } from '../api/adminHosts.ts';
import { ApiError, errorMessage, isApiError } from '../api/client.ts';
import { EnrollHostPanel } from '../components/admin/EnrollHostPanel.tsx';
import { HostsTable } from '../components/admin/HostsTable.tsx';
import { Alert } from '../components/Alert.tsx';
import { Button } from '../components/Button.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { PageLoading, Spinner } from '../components/Spinner.tsx';
import { useNow } from '../modules/useNow.ts';
import { usePolling } from '../modules/usePolling.ts';

const REFRESH_MS = 5000;

function nextFreeName(hosts: Host[] | undefined): string {
  const names = new Set((hosts ?? []).map((h) => h.name));
  let n = (hosts?.length ?? 0) + 1;
  while (names.has(`host-${n}`)) n += 1;
  return `host-${n}`;
}

export function AdminHostsPage() {
  const [hosts, setHosts] = useState<Host[]>();
  const [error, setError] = useState<string>();
  const [actionError, setActionError] = useState<string>();
  const [updatedAt, setUpdatedAt] = useState<number>();
  const [refreshing, setRefreshing] = useState(false);
  const [busy, setBusy] = useState<{ id: string; action: HostAction | 'remove' }>();
  const [confirming, setConfirming] = useState<{ host: Host; action: 'drain' | 'remove' }>();
  const [enrolling, setEnrolling] = useState(false);
  const now = useNow(5000);

  const load = useCallback(async (signal?: AbortSignal) => {
    setRefreshing(true);
    try {
      setHosts(await listHosts(signal));
      setUpdatedAt(Date.now());
      setError(undefined);
    } catch (e) {
      if (!signal?.aborted) setError(errorMessage(e));
    } finally {
      if (!signal?.aborted) setRefreshing(false);
    }
  }, []);

  usePolling(load, REFRESH_MS);

  const change = async (host: Host, action: HostAction): Promise<void> => {
    setBusy({ id: host.id, action });
    setActionError(undefined);
    try {
      await changeHostState(host.id, action);
      await load();
    } catch (e) {
      setActionError(errorMessage(e));
    } finally {
      setBusy(undefined);
    }
  };

  const onAction = (host: Host, action: HostAction): void => {
    if (action === 'drain') setConfirming({ host, action });
    else void change(host, action);
  };

  const remove = async (host: Host): Promise<void> => {
    try {
      await deleteHost(host.id);
    } catch (e) {
      if (isApiError(e) && e.code === 'host_in_use') {
        throw new ApiError(
          e.status,
          e.code,
          `${host.name} still runs desktops, so it cannot be removed. Drain it, wait for its sessions to end, then remove it.`,
        );
      }
      throw e;
    }
    await load();
  };

  const actions = (
    <>
      <span class="muted small refresh-note" aria-live="polite">
        {refreshing ? <Spinner size={12} label="Refreshing" /> : <span class="live-dot" aria-hidden="true" />}
        {updatedAt ? `Updated ${new Date(updatedAt).toLocaleTimeString()} · every 5 s` : 'Refreshes every 5 s'}
      </span>
      {!enrolling && (
        <Button variant="primary" onClick={() => setEnrolling(true)}>
          Add a host
        </Button>
      )}
    </>
  );

  return (
    <>
      <PageHeading title="Hosts" subtitle="The machines that run desktops, and whether they take new ones." actions={actions} />
      {enrolling && <EnrollHostPanel suggestedName={nextFreeName(hosts)} hosts={hosts} onClose={() => setEnrolling(false)} />}
      {error && <Alert title="The host list could not be refreshed">{error} It will try again in a few seconds.</Alert>}
      {actionError && <Alert>{actionError}</Alert>}
      {!hosts && !error && <PageLoading label="Loading hosts…" />}
      {hosts && hosts.length === 0 && (
        <EmptyState title="No hosts yet">
          Hosts run the desktops. Add one with “Add a host”: it takes one command on the new machine.
        </EmptyState>
      )}
      {hosts && hosts.length > 0 && (
        <HostsTable
          hosts={hosts}
          now={now}
          busy={busy}
          onAction={onAction}
          onRemove={(host) => setConfirming({ host, action: 'remove' })}
        />
      )}
      {confirming?.action === 'drain' && (
        <ConfirmDialog
          title={`Drain ${confirming.host.name}?`}
          confirmLabel="Drain host"
          failureTitle="The host was not drained"
          onClose={() => setConfirming(undefined)}
          onConfirm={async () => {
            await changeHostState(confirming.host.id, 'drain');
            await load();
          }}
        >
          No new desktops start on {confirming.host.name} and its warm spares are removed. Desktops in use keep running until their sessions
          end. Use Uncordon to bring it back.
        </ConfirmDialog>
      )}
      {confirming?.action === 'remove' && (
        <ConfirmDialog
          title={`Remove ${confirming.host.name}?`}
          confirmLabel="Remove host"
          failureTitle="The host was not removed"
          onClose={() => setConfirming(undefined)}
          onConfirm={() => remove(confirming.host)}
        >
          {confirming.host.name} is forgotten, and its agent is disconnected at once and stops; adding it again needs a new enrollment
          token. A host that still runs desktops cannot be removed.
        </ConfirmDialog>
      )}
    </>
  );
}
