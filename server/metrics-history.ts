// The last hour of the gateway's own metrics, sampled every 30 s, for the admin dashboard's plots:
// sessions by state, hosts online, launches and their p50/p90, relay throughput. A fixed ring of
// points: memory does not grow. Its answer also carries the live counts now, for the dashboard's
// big numbers (the last point may be a whole interval old).
import type { MetricsHistory as HistoryAnswer, MetricsNow, MetricsPoint } from '../contract/api/admin.ts';
import type { Clock } from './clock.ts';
import type { SessionState, Store } from './store/types.ts';

export type HistoryPoint = MetricsPoint;

const LIVE: SessionState[] = ['starting', 'ready', 'ending', 'lost'];
const MAX_LAUNCHES_PER_INTERVAL = 10_000;

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function createMetricsHistory(deps: { store: Store; clock: Clock; hostsOnline: () => number; intervalMs?: number; keep?: number }) {
  const intervalMs = deps.intervalMs ?? 30_000;
  const keep = deps.keep ?? 120;
  const points: HistoryPoint[] = [];
  let launches: number[] = [];
  let bytes = 0;
  let last = deps.clock.now();
  let timer: NodeJS.Timeout | undefined;

  async function liveSessions(): Promise<HistoryPoint['sessions']> {
    const counts = await deps.store.countSessionsByState(LIVE);
    return { starting: counts.starting ?? 0, ready: counts.ready ?? 0, ending: counts.ending ?? 0, lost: counts.lost ?? 0 };
  }

  async function sample(): Promise<void> {
    const now = deps.clock.now();
    const sessions = await liveSessions();
    const sorted = launches.sort((a, b) => a - b);
    points.push({
      at: new Date(now).toISOString(),
      sessions,
      hostsOnline: deps.hostsOnline(),
      launches: sorted.length,
      launchP50S: quantile(sorted, 0.5),
      launchP90S: quantile(sorted, 0.9),
      relayBytesPerS: Math.round(bytes / Math.max(1, (now - last) / 1000)),
    });
    if (points.length > keep) points.splice(0, points.length - keep);
    launches = [];
    bytes = 0;
    last = now;
  }

  return {
    recordLaunch(seconds: number): void {
      if (launches.length < MAX_LAUNCHES_PER_INTERVAL) launches.push(seconds);
    },
    recordBytes(n: number): void {
      bytes += n;
    },
    sample,
    start(onError: (err: unknown) => void): void {
      timer = setInterval(() => void sample().catch(onError), intervalMs);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
    },
    history(): { intervalS: number; points: HistoryPoint[] } {
      return { intervalS: intervalMs / 1000, points: [...points] };
    },
    /** Sessions by live state and hosts online at this moment. */
    async now(): Promise<MetricsNow> {
      return { at: new Date(deps.clock.now()).toISOString(), sessions: await liveSessions(), hostsOnline: deps.hostsOnline() };
    },
    /** GET /admin/metrics/history: the points and the counts now. */
    async answer(): Promise<HistoryAnswer> {
      return { ...this.history(), now: await this.now() };
    },
  };
}

export type MetricsHistory = ReturnType<typeof createMetricsHistory>;
