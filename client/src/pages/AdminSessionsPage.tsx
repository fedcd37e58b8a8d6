// Admin console, live sessions: every starting, running or ending session; refreshes every 5 s.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { forceEndSession, listHostNames, listLiveSessions, listPoolNames, listUsers, type AdminSession, type PoolName } from '../api/admin.ts';
import { errorMessage } from '../api/client.ts';
import { SessionsTable, type SessionNames } from '../components/admin/SessionsTable.tsx';
import { Alert } from '../components/Alert.tsx';
import { Button } from '../components/Button.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { PageLoading, Spinner } from '../components/Spinner.tsx';
import { useNow } from '../modules/useNow.ts';
import { usePolling } from '../modules/usePolling.ts';

const REFRESH_MS = 5000;
type NameMap = Map<string, string>;

/** What survives a forced end, by the pool's persistence. */
const KEEPS: Record<'pooled' | 'personal' | 'unknown', string> = {
  personal: 'Their home folder is kept.',
  pooled: 'Files in it are deleted too: this pool gives a fresh desktop every time.',
  unknown: '',
};

interface UserName {
  username: string;
  displayName: string;
}

/** Ids → names for users, pools and hosts; best effort, ids are shown when a lookup fails. */
function useNameMaps(): { users: Map<string, UserName>; pools: Map<string, PoolName>; hosts: NameMap } {
  const [maps, setMaps] = useState({ users: new Map<string, UserName>(), pools: new Map<string, PoolName>(), hosts: new Map<string, string>() });
  useEffect(() => {
    const ac = new AbortController();
    const ignore = (): [] => [];
    void Promise.all([listUsers(ac.signal).catch(ignore), listPoolNames(ac.signal).catch(ignore), listHostNames(ac.signal).catch(ignore)]).then(([users, pools, hosts]) => {
      if (ac.signal.aborted) return;
      setMaps({
        users: new Map(users.map((u) => [u.id, { username: u.username, displayName: u.displayName }])),
        pools: new Map(pools.map((p) => [p.id, p])),
        hosts: new Map(hosts.map((h) => [h.id, h.name])),
      });
    });
    return () => ac.abort();
  }, []);
  return maps;
}

export function AdminSessionsPage() {
  const [sessions, setSessions] = useState<AdminSession[]>();
  const [error, setError] = useState<string>();
  const [updatedAt, setUpdatedAt] = useState<number>();
  const [refreshing, setRefreshing] = useState(false);
  const [ending, setEnding] = useState<AdminSession>();
  const maps = useNameMaps();
  const now = useNow(5000);

  const load = useCallback(async (signal?: AbortSignal) => {
    setRefreshing(true);
    try {
      setSessions(await listLiveSessions(signal));
      setUpdatedAt(Date.now());
      setError(undefined);
    } catch (e) {
      if (!signal?.aborted) setError(errorMessage(e));
    } finally {
      if (!signal?.aborted) setRefreshing(false);
    }
  }, []);

  usePolling(load, REFRESH_MS);

  const names: SessionNames = {
    user: (s) => s.username ?? maps.users.get(s.userId)?.username ?? s.userId,
    displayName: (s) => maps.users.get(s.userId)?.displayName,
    pool: (s) => s.poolName ?? maps.pools.get(s.poolId)?.name ?? s.poolId,
    host: (s) => s.hostName ?? (s.hostId ? (maps.hosts.get(s.hostId) ?? s.hostId) : '—'),
  };

  const actions = (
    <>
      <span class="muted small refresh-note" aria-live="polite">
        {refreshing ? <Spinner size={12} label="Refreshing" /> : <span class="live-dot" aria-hidden="true" />}
        {updatedAt ? `Updated ${new Date(updatedAt).toLocaleTimeString()} · every 5 s` : 'Refreshes every 5 s'}
      </span>
      <Button size="sm" onClick={() => void load()}>
        Refresh
      </Button>
    </>
  );

  return (
    <>
      <PageHeading title="Live sessions" subtitle="Desktops starting, running or ending right now, across all hosts." actions={actions} />
      {error && <Alert title="The session list could not be refreshed">{error} It will try again in a few seconds.</Alert>}
      {!sessions && !error && <PageLoading label="Loading sessions…" />}
      {sessions && sessions.length === 0 && (
        <EmptyState title="No live sessions">Nobody is using a desktop right now. New sessions appear here within 5 seconds.</EmptyState>
      )}
      {sessions && sessions.length > 0 && <SessionsTable sessions={sessions} names={names} now={now} onEnd={setEnding} />}
      {ending && (
        <ConfirmDialog
          title={`End ${names.displayName(ending) ?? names.user(ending)}'s desktop in ${names.pool(ending)}?`}
          confirmLabel="End session"
          onClose={() => setEnding(undefined)}
          onConfirm={async () => {
            await forceEndSession(ending.id);
            await load();
          }}
        >
          Their desktop shuts down now and anything unsaved in it is lost. {KEEPS[maps.pools.get(ending.poolId)?.persistence ?? 'unknown']}
        </ConfirmDialog>
      )}
    </>
  );
}
