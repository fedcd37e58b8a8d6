// The last hour of gateway metrics for the admin dashboard (API.md "Administration"): one point
// every `intervalS` seconds, oldest first.
import { api } from './client.ts';
import { list, obj, optNum, optTime, type Json } from './decode.ts';

export interface MetricsPoint {
  at: number;
  sessions: { starting: number; ready: number; ending: number; lost: number };
  hostsOnline: number;
  /** Launches during this interval. */
  launches: number;
  /** Seconds; null when there were no launches in the interval. */
  launchP50S: number | null;
  launchP90S: number | null;
  relayBytesPerS: number;
}

export interface MetricsHistory {
  intervalS: number;
  points: MetricsPoint[];
}

const count = (o: Json, key: string): number => optNum(o, key) ?? 0;
const orNull = (o: Json, key: string): number | null => optNum(o, key) ?? null;

export function decodeMetricsPoint(x: unknown): MetricsPoint {
  const o = obj(x, 'metrics point');
  const at = optTime(o, 'at');
  if (at === undefined) throw new TypeError('at: not a time');
  const s = typeof o.sessions === 'object' && o.sessions !== null ? (o.sessions as Json) : {};
  return {
    at,
    sessions: { starting: count(s, 'starting'), ready: count(s, 'ready'), ending: count(s, 'ending'), lost: count(s, 'lost') },
    hostsOnline: count(o, 'hostsOnline'),
    launches: count(o, 'launches'),
    launchP50S: orNull(o, 'launchP50S'),
    launchP90S: orNull(o, 'launchP90S'),
    relayBytesPerS: count(o, 'relayBytesPerS'),
  };
}

export function decodeMetricsHistory(x: unknown): MetricsHistory {
  const o = obj(x, 'metrics history');
  return { intervalS: optNum(o, 'intervalS') ?? 30, points: list(o.points, 'points', decodeMetricsPoint).sort((a, b) => a.at - b.at) };
}

export function getMetricsHistory(signal?: AbortSignal): Promise<MetricsHistory> {
  return api('/api/v1/admin/metrics/history', { decode: decodeMetricsHistory, signal });
}
