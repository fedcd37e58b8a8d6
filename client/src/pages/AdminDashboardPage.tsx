// Admin console, dashboard (/admin): the live counts (sessions, hosts) and the hour's totals as big numbers, and the last hour as small
// charts (sessions by state, hosts online, launches per minute, launch time p50/p90, relay
// throughput), from GET /admin/metrics/history, refreshed every 30 s.
import { useCallback, useState } from 'preact/hooks';
import { getMetricsHistory, type MetricsHistory } from '../api/adminMetrics.ts';
import { errorMessage } from '../api/client.ts';
import { MiniChart } from '../components/admin/MiniChart.tsx';
import { Alert } from '../components/Alert.tsx';
import { Button } from '../components/Button.tsx';
import { EmptyState } from '../components/EmptyState.tsx';
import { PageHeading } from '../components/PageHeading.tsx';
import { PageLoading } from '../components/Spinner.tsx';
import { dashboardTotals, formatMiBps, formatSeconds } from '../modules/dashboard.ts';
import { usePolling } from '../modules/usePolling.ts';

const REFRESH_MS = 30_000;
const MIN_POINTS = 2;
const COLORS = { ready: '#2f9e6e', starting: '#e0a030', ending: '#7a8396', lost: '#d2533f', blue: '#2f5fd0', violet: '#6a45c2' };
const count = (v: number): string => String(Math.round(v * 10) / 10);

function Stat({ label, value, sub, id }: { label: string; value: string; sub?: string; id: string }) {
  return (
    <div class="stat card" data-testid={`stat-${id}`}>
      <span class="stat__label">{label}</span>
      <span class="stat__value">{value}</span>
      {sub && <span class="stat__sub muted small">{sub}</span>}
    </div>
  );
}

export function AdminDashboardPage() {
  const [history, setHistory] = useState<MetricsHistory>();
  const [error, setError] = useState<string>();
  const [updatedAt, setUpdatedAt] = useState<number>();
  const [loading, setLoading] = useState(false);

  const load = useCallback(async (signal?: AbortSignal) => {
    setLoading(true);
    try {
      setHistory(await getMetricsHistory(signal));
      setUpdatedAt(Date.now());
      setError(undefined);
    } catch (e) {
      if (!signal?.aborted) setError(errorMessage(e));
    } finally {
      if (!signal?.aborted) setLoading(false);
    }
  }, []);
  usePolling(load, REFRESH_MS);

  const points = history?.points ?? [];
  const at = points.map((p) => p.at);
  const perMinute = 60 / (history?.intervalS ?? 30);
  const totals = history ? dashboardTotals(history) : undefined;

  return (
    <div data-testid="dashboard">
      <PageHeading
        title="Dashboard"
        subtitle="The last hour at a glance: sessions, hosts, launches and display traffic."
        actions={
          <>
            <span class="muted small refresh-note">
              {updatedAt ? `Updated ${new Date(updatedAt).toLocaleTimeString()} · every 30 s` : 'Refreshes every 30 s'}
            </span>
            <Button size="sm" busy={loading} onClick={() => void load()}>
              Refresh
            </Button>
          </>
        }
      />
      {error && <Alert title="The metrics could not be loaded">{error} It will try again in 30 seconds.</Alert>}
      {!history && !error && <PageLoading label="Loading metrics…" />}
      {history?.alerts?.map((a) => (
        <div key={a.id} class="dashboard-alert" data-testid={`alert-${a.id}`}>
          <Alert title={a.title}>
            {a.message}
            {a.since ? ` (since ${new Date(a.since).toLocaleString()})` : ''}
          </Alert>
        </div>
      ))}
      {totals && (
        <div class="stats" data-testid="dashboard-totals">
          <Stat
            id="sessions"
            label="Desktops running"
            value={String(totals.ready)}
            sub={`${totals.starting} starting · ${totals.ending} ending${totals.lost ? ` · ${totals.lost} lost` : ''}`}
          />
          <Stat id="hosts" label="Hosts online" value={String(totals.hostsOnline)} />
          <Stat
            id="launches"
            label="Launches, last hour"
            value={String(totals.launchesHour)}
            sub={
              totals.launchP50S === null
                ? 'No launch time yet'
                : `typical ${formatSeconds(totals.launchP50S)} · slow ${formatSeconds(totals.launchP90S ?? totals.launchP50S)}`
            }
          />
          <Stat id="relay" label="Display traffic" value={formatMiBps(totals.relayBytesPerS)} sub="through the gateway" />
        </div>
      )}
      {history && points.length < MIN_POINTS && (
        <EmptyState title="Collecting data — the first points appear within a minute">
          The gateway records a point every {history.intervalS} seconds and keeps the last hour.
        </EmptyState>
      )}
      {history && points.length >= MIN_POINTS && (
        <div class="chart-grid">
          <MiniChart
            id="sessions"
            title="Sessions by state"
            at={at}
            stacked
            format={count}
            series={[
              { name: 'Running', color: COLORS.ready, values: points.map((p) => p.sessions.ready) },
              { name: 'Starting', color: COLORS.starting, values: points.map((p) => p.sessions.starting) },
              { name: 'Ending', color: COLORS.ending, values: points.map((p) => p.sessions.ending) },
              { name: 'Lost', color: COLORS.lost, values: points.map((p) => p.sessions.lost) },
            ]}
          />
          <MiniChart
            id="hosts"
            title="Hosts online"
            at={at}
            format={count}
            series={[{ name: 'Online', color: COLORS.blue, values: points.map((p) => p.hostsOnline) }]}
          />
          <MiniChart
            id="launches"
            title="Launches per minute"
            at={at}
            format={count}
            series={[{ name: 'Launches/min', color: COLORS.violet, values: points.map((p) => p.launches * perMinute) }]}
          />
          <MiniChart
            id="launch-time"
            title="Launch time (seconds)"
            at={at}
            format={(v) => formatSeconds(v)}
            series={[
              { name: 'p50', color: COLORS.blue, values: points.map((p) => p.launchP50S) },
              { name: 'p90', color: COLORS.starting, values: points.map((p) => p.launchP90S) },
            ]}
          />
          <MiniChart
            id="relay"
            title="Relay throughput (MiB/s)"
            at={at}
            floor={0.1}
            format={(v) => formatMiBps(v * 1048576, false)}
            series={[{ name: 'MiB/s', color: COLORS.ready, values: points.map((p) => p.relayBytesPerS / 1048576) }]}
          />
        </div>
      )}
    </div>
  );
}
