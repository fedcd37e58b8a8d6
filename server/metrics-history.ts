// The last hour of the gateway's own metrics, sampled every 30 s, for the admin dashboard's plots:
// sessions by state, hosts online, launches and their p50/p90, relay throughput. A fixed ring of
// points: memory does not grow.
import type { Clock } from './clock.ts';
import type { SessionState, Store } from './store/types.ts';

export interface HistoryPoint {
  at: string;
  sessions: Record<'starting' | 'ready' | 'ending' | 'lost', number>;
  hostsOnline: number;
  launches: number;
  launchP50S: number | null;
  launchP90S: number | null;
  relayBytesPerS: number;
}

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

  async function sample(): Promise<void> {
    const now = deps.clock.now();
    const counts = await deps.store.countSessionsByState(LIVE);
    const sorted = launches.sort((a, b) => a - b);
    const sessions = { starting: counts.starting ?? 0, ready: counts.ready ?? 0, ending: counts.ending ?? 0, lost: counts.lost ?? 0 };
    points.push({
      at: new Date(now).toISOString(), sessions, hostsOnline: deps.hostsOnline(), launches: sorted.length,
      launchP50S: quantile(sorted, 0.5), launchP90S: quantile(sorted, 0.9), relayBytesPerS: Math.round(bytes / Math.max(1, (now - last) / 1000)),
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
  };
}

export type MetricsHistory = ReturnType<typeof createMetricsHistory>;
