// The last hour of gateway metrics for the admin dashboard, decoded with the contract
// (contract/api/admin.ts): one point every `intervalS` seconds, oldest first, and the live counts
// now. Times become epoch milliseconds for the charts.
import {
  type DashboardAlert,
  MetricsHistory as MetricsHistoryJson,
  type MetricsNow as MetricsNowJson,
  type MetricsPoint as MetricsPointJson,
} from '../../../contract/api/admin.ts';
import { api } from './client.ts';

export type MetricsPoint = Omit<MetricsPointJson, 'at'> & { at: number };
export type MetricsNow = Omit<MetricsNowJson, 'at'> & { at: number };
export interface MetricsHistory {
  intervalS: number;
  points: MetricsPoint[];
  /** Sessions by state and hosts online when the gateway answered: what the big numbers show. */
  now: MetricsNow;
  /** Problems to show at the top of the dashboard (recording storage full, …). */
  alerts?: DashboardAlert[];
}

export function decodeMetricsHistory(x: unknown): MetricsHistory {
  const h = MetricsHistoryJson.parse(x);
  const points = h.points.map((p) => ({ ...p, at: Date.parse(p.at) })).sort((a, b) => a.at - b.at);
  return { intervalS: h.intervalS, points, now: { ...h.now, at: Date.parse(h.now.at) }, alerts: h.alerts ?? [] };
}

export function getMetricsHistory(signal?: AbortSignal): Promise<MetricsHistory> {
  return api('/api/v1/admin/metrics/history', { decode: decodeMetricsHistory, signal });
}
