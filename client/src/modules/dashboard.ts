// The dashboard's big numbers: sessions and hosts as the gateway counts them now, launches and
// traffic from the metrics history; and how it writes seconds and throughput.
import type { MetricsHistory } from '../api/adminMetrics.ts';

export interface DashboardTotals {
  ready: number;
  starting: number;
  ending: number;
  lost: number;
  hostsOnline: number;
  launchesHour: number;
  /** The latest interval that had launches; null when none in the hour. */
  launchP50S: number | null;
  launchP90S: number | null;
  relayBytesPerS: number;
}

export function dashboardTotals(h: MetricsHistory): DashboardTotals {
  const last = h.points[h.points.length - 1];
  const withLaunches = [...h.points].reverse().find((p) => p.launchP50S !== null);
  return {
    // Live, not the last point: that may be a whole interval old (a desktop started since is missing).
    ready: h.now.sessions.ready,
    starting: h.now.sessions.starting,
    ending: h.now.sessions.ending,
    lost: h.now.sessions.lost,
    hostsOnline: h.now.hostsOnline,
    launchesHour: h.points.reduce((n, p) => n + p.launches, 0),
    launchP50S: withLaunches?.launchP50S ?? null,
    launchP90S: withLaunches?.launchP90S ?? null,
    relayBytesPerS: last?.relayBytesPerS ?? 0,
  };
}

export function formatSeconds(s: number): string {
  if (s >= 100) return `${Math.round(s)} s`;
  if (s >= 10) return `${s.toFixed(0)} s`;
  return `${Number(s.toFixed(1))} s`;
}

/** Bytes per second as MiB/s (2 significant decimals below 10). */
export function formatMiBps(bytesPerS: number, unit = true): string {
  const mib = bytesPerS / 1048576;
  const text = mib === 0 ? '0' : mib < 0.01 ? '<0.01' : mib < 10 ? String(Number(mib.toFixed(2))) : String(Math.round(mib));
  return unit ? `${text} MiB/s` : text;
}
