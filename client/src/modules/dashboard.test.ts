import { describe, expect, it } from 'vitest';
import type { MetricsHistory } from '../api/adminMetrics.ts';
import { dashboardTotals, formatMiBps, formatSeconds } from './dashboard.ts';

const p = (at: number, launches: number, p50: number | null) => ({
  at,
  sessions: { starting: 0, ready: at, ending: 0, lost: 0 },
  hostsOnline: 2,
  launches,
  launchP50S: p50,
  launchP90S: p50 === null ? null : p50 * 2,
  relayBytesPerS: 2097152,
});
const now = (ready: number, hostsOnline = 2): MetricsHistory['now'] => ({
  at: 99,
  sessions: { starting: 1, ready, ending: 0, lost: 0 },
  hostsOnline,
});

describe('dashboard totals', () => {
  it('sums launches, keeps the last known launch times and the latest traffic', () => {
    const t = dashboardTotals({ intervalS: 30, points: [p(1, 2, 4), p(2, 1, 3), p(3, 0, null)], now: now(3) });
    expect(t).toMatchObject({ ready: 3, hostsOnline: 2, launchesHour: 3, launchP50S: 3, launchP90S: 6, relayBytesPerS: 2097152 });
    expect(dashboardTotals({ intervalS: 30, points: [], now: now(0) })).toMatchObject({ ready: 0, launchP50S: null });
  });

  it('shows the desktops running now, not the last point (up to 30 s old)', () => {
    // The last point counted none; a desktop became ready since, and the gateway counts it now.
    const t = dashboardTotals({ intervalS: 30, points: [p(0, 0, null)], now: now(1, 3) });
    expect(t).toMatchObject({ ready: 1, starting: 1, hostsOnline: 3 });
    expect(dashboardTotals({ intervalS: 30, points: [], now: now(2) }).ready).toBe(2);
  });

  it('formats seconds and MiB/s', () => {
    expect(formatSeconds(3.456)).toBe('3.5 s');
    expect(formatSeconds(42.4)).toBe('42 s');
    expect(formatMiBps(0)).toBe('0 MiB/s');
    expect(formatMiBps(1048576 * 1.5)).toBe('1.5 MiB/s');
    expect(formatMiBps(100)).toBe('<0.01 MiB/s');
  });
});
