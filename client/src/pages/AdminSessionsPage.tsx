// Admin console, live sessions: every starting, running or ending session (or only one state, lost
// included); refreshes every 5 s. A search box narrows the rows; "Shadow" asks for a reason, requests
// a view shadow and opens it, as the helpdesk console does.
import { useCallback, useEffect, useState } from 'preact/hooks';
import {
  forceEndSession,
  listHostNames,
  listLiveSessions,
  listPoolNames,
  type AdminSession,
  type PoolName,
  type SessionStateFilter,
} from '../api/admin.ts';
import { listUsers } from '../api/adminUsers.ts';
import { errorMessage } from '../api/client.ts';
import { requestShadow } from '../api/shadows.ts';
import { SessionsTable, type SessionNames } from '../components/admin/SessionsTable.tsx';
import { Alert } from '../components/Alert.tsx';
import { Button } from '../components/Button.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { ShadowRequestDialog } from '../components/helpdesk/ShadowRequestDialog.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { PageLoading, Spinner } from '../components/Spinner.tsx';
import { filterAdminSessions } from '../modules/adminSessionFilter.ts';
import { navigate, paths } from '../modules/router.ts';
import { useNow } from '../modules/useNow.ts';
import { usePolling } from '../modules/usePolling.ts';

const REFRESH_MS = 5000;

const STATE_OPTIONS: readonly { value: SessionStateFilter; label: string }[] = [
  { value: 'live', label: 'All live' },
  { value: 'starting', label: 'Starting' },
  { value: 'ready', label: 'Running' },
  { value: 'ending', label: 'Ending' },
  { value: 'lost', label: 'Lost' },
];
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
  const [maps, setMaps] = useState({
    users: new Map<string, UserName>(),
    pools: new Map<string, PoolName>(),
    hosts: new Map<string, string>(),
  });
  useEffect(() => {
    const ac = new AbortController();
    const ignore = (): [] => [];
    void Promise.all([
      listUsers(ac.signal).catch(ignore),
      listPoolNames(ac.signal).catch(ignore),
      listHostNames(ac.signal).catch(ignore),
    ]).then(([users, pools, hosts]) => {
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
  const [shadowing, setShadowing] = useState<AdminSession>();
  const [query, setQuery] = useState('');
  const [stateFilter, setStateFilter] = useState<SessionStateFilter>('live');
  const maps = useNameMaps();
  const now = useNow(5000);

  const load = useCallback(
    async (signal?: AbortSignal) => {
      setRefreshing(true);
      try {
        setSessions(await listLiveSessions(signal, stateFilter));
        setUpdatedAt(Date.now());
        setError(undefined);
      } catch (e) {
        if (!signal?.aborted) setError(errorMessage(e));
      } finally {
        if (!signal?.aborted) setRefreshing(false);
      }
    },
    [stateFilter],
  );

  usePolling(load, REFRESH_MS);

  const names: SessionNames = {
    user: (s) => s.username ?? maps.users.get(s.userId)?.username ?? s.userId,
    displayName: (s) => maps.users.get(s.userId)?.displayName,
    pool: (s) => s.poolName ?? (s.poolId ? maps.pools.get(s.poolId)?.name : undefined) ?? s.poolId ?? s.machineId ?? '—',
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

  const shown = sessions ? filterAdminSessions(sessions, names, query) : undefined;
  const stateLabel = STATE_OPTIONS.find((o) => o.value === stateFilter)?.label.toLowerCase() ?? '';

  return (
    <>
      <PageHeading title="Live sessions" subtitle="Desktops starting, running or ending right now, across all hosts." actions={actions} />
      <div class="helpdesk-tools">
        <label class="visually-hidden" for="sessions-filter">
          Filter sessions
        </label>
        <input
          id="sessions-filter"
          type="search"
          class="input helpdesk-search"
          placeholder="Filter by user, pool or host"
          value={query}
          onInput={(ev) => setQuery(ev.currentTarget.value)}
          autocomplete="off"
          spellcheck={false}
          data-testid="sessions-filter"
        />
        <label class="visually-hidden" for="sessions-state">
          Session state
        </label>
        <select
          id="sessions-state"
          class="input select sessions-state"
          value={stateFilter}
          onChange={(ev) => {
            setStateFilter(ev.currentTarget.value as SessionStateFilter);
            setSessions(undefined);
          }}
          data-testid="sessions-state"
        >
          {STATE_OPTIONS.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        {sessions && query.trim() && (
          <span class="muted small" aria-live="polite">
            {shown?.length ?? 0} of {sessions.length} sessions
          </span>
        )}
      </div>
      {error && <Alert title="The session list could not be refreshed">{error} It will try again in a few seconds.</Alert>}
      {!sessions && !error && <PageLoading label="Loading sessions…" />}
      {sessions &&
        sessions.length === 0 &&
        (stateFilter === 'live' ? (
          <EmptyState title="No live sessions">Nobody is using a desktop right now. New sessions appear here within 5 seconds.</EmptyState>
        ) : (
          <EmptyState title={`No ${stateLabel} sessions`}>Choose “All live” to see every starting, running or ending session.</EmptyState>
        ))}
      {sessions && sessions.length > 0 && shown?.length === 0 && (
        <EmptyState title="No matching sessions">Nothing matches “{query.trim()}”. Filter by user, pool or host.</EmptyState>
      )}
      {shown && shown.length > 0 && <SessionsTable sessions={shown} names={names} now={now} onEnd={setEnding} onShadow={setShadowing} />}
      {shadowing && (
        <ShadowRequestDialog
          owner={names.displayName(shadowing) ?? names.user(shadowing)}
          mode="view"
          onClose={() => setShadowing(undefined)}
          onSubmit={async (reason) => {
            const shadow = await requestShadow(shadowing.id, 'view', reason);
            navigate(paths.shadow(shadow.id));
          }}
        />
      )}
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
          Their desktop shuts down now and anything unsaved in it is lost.{' '}
          {KEEPS[(ending.poolId ? maps.pools.get(ending.poolId)?.persistence : undefined) ?? 'unknown']}
        </ConfirmDialog>
      )}
    </>
  );
}
