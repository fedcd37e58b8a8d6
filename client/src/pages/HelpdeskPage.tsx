// Helpdesk console (/helpdesk, role helpdesk or admin): a live wall of the desktops in use, each
// with its current screen (refreshed every 3 s), who, where and since when, and whether anyone is
// shadowing it. "View" / "View and control" ask for a reason, request the shadow and open it.
import { useCallback, useState } from 'preact/hooks';
import { errorMessage } from '../api/client.ts';
import { listHelpdeskSessions, type HelpdeskSession } from '../api/helpdesk.ts';
import { requestShadow, type ShadowMode } from '../api/shadows.ts';
import type { Me } from '../api/types.ts';
import { Alert } from '../components/Alert.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { SessionCard } from '../components/helpdesk/SessionCard.tsx';
import { ShadowRequestDialog } from '../components/helpdesk/ShadowRequestDialog.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { PageLoading, Spinner } from '../components/Spinner.tsx';
import { filterSessions } from '../modules/helpdeskFilter.ts';
import { navigate, paths } from '../modules/router.ts';
import { usePolling } from '../modules/usePolling.ts';

const REFRESH_MS = 3000;

function myOpenShadow(s: HelpdeskSession, me: Me): { id: string; label: string } | undefined {
  const mine = s.shadows.find((x) => x.requesterId === me.id && (x.state === 'approved' || x.state === 'pending'));
  if (!mine) return undefined;
  return {
    id: mine.id,
    label: mine.state === 'pending' ? 'Waiting for an answer…' : mine.mode === 'control' ? 'Open (control)' : 'Open (view)',
  };
}

export function HelpdeskPage({ me }: { me: Me }) {
  const [sessions, setSessions] = useState<HelpdeskSession[]>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(() => Date.now());
  const [refreshing, setRefreshing] = useState(false);
  const [query, setQuery] = useState('');
  const [asking, setAsking] = useState<{ session: HelpdeskSession; mode: ShadowMode }>();

  const load = useCallback(async (signal?: AbortSignal) => {
    setRefreshing(true);
    try {
      setSessions(await listHelpdeskSessions(signal));
      setTick(Date.now());
      setError(undefined);
    } catch (e) {
      if (!signal?.aborted) setError(errorMessage(e));
    } finally {
      if (!signal?.aborted) setRefreshing(false);
    }
  }, []);
  usePolling(load, REFRESH_MS);

  const shown = sessions ? filterSessions(sessions, query) : undefined;

  return (
    <>
      <PageHeading
        title="Helpdesk"
        subtitle="Desktops in use right now. Ask to view one to help its user; they see your name and reason, and choose."
        actions={
          <span class="muted small refresh-note" aria-live="polite">
            {refreshing ? <Spinner size={12} label="Refreshing" /> : <span class="live-dot" aria-hidden="true" />}
            Live · every 3 s
          </span>
        }
      />
      <div class="helpdesk-tools">
        <label class="visually-hidden" for="helpdesk-search">
          Search desktops
        </label>
        <input
          id="helpdesk-search"
          type="search"
          class="input helpdesk-search"
          placeholder="Search by user, pool or host"
          value={query}
          onInput={(ev) => setQuery(ev.currentTarget.value)}
          autocomplete="off"
          spellcheck={false}
          data-testid="helpdesk-search"
        />
        {sessions && (
          <span class="muted small" aria-live="polite">
            {query.trim()
              ? `${shown?.length ?? 0} of ${sessions.length} desktops`
              : `${sessions.length} desktop${sessions.length === 1 ? '' : 's'} in use`}
          </span>
        )}
      </div>
      {error && <Alert title="The desktops could not be refreshed">{error} It will try again in a few seconds.</Alert>}
      {!sessions && !error && <PageLoading label="Loading desktops…" />}
      {sessions && sessions.length === 0 && (
        <EmptyState title="No desktops in use">Running desktops appear here within a few seconds.</EmptyState>
      )}
      {sessions && sessions.length > 0 && shown?.length === 0 && (
        <EmptyState title="No matching desktops">Nothing matches “{query.trim()}”. Search by user, pool or host.</EmptyState>
      )}
      {shown && shown.length > 0 && (
        <div class="thumbnail-wall" data-testid="thumbnail-wall">
          {shown.map((s) => (
            <SessionCard
              key={s.id}
              session={s}
              tick={tick}
              now={tick}
              mine={myOpenShadow(s, me)}
              onShadow={(session, mode) => setAsking({ session, mode })}
              onOpen={(id) => navigate(paths.shadow(id))}
            />
          ))}
        </div>
      )}
      {asking && (
        <ShadowRequestDialog
          owner={asking.session.displayName}
          mode={asking.mode}
          onClose={() => setAsking(undefined)}
          onSubmit={async (reason) => {
            const shadow = await requestShadow(asking.session.id, asking.mode, reason);
            navigate(paths.shadow(shadow.id));
          }}
        />
      )}
    </>
  );
}
