import { describe, expect, it } from 'vitest';
import { decodeMetricsHistory } from './adminMetrics.ts';

const now = { at: '2026-01-01T10:00:40Z', sessions: { starting: 0, ready: 3, ending: 0, lost: 0 }, hostsOnline: 1 };

describe('metrics history decoder', () => {
  it('reads points oldest first, keeping null percentiles, and the counts now', () => {
    const h = decodeMetricsHistory({
      intervalS: 30,
      points: [
        {
          at: '2026-01-01T10:00:30Z',
          sessions: { starting: 1, ready: 2, ending: 0, lost: 0 },
          hostsOnline: 1,
          launches: 0,
          launchP50S: null,
          launchP90S: null,
          relayBytesPerS: 10,
        },
        {
          at: '2026-01-01T10:00:00Z',
          sessions: { starting: 0, ready: 2, ending: 0, lost: 0 },
          hostsOnline: 1,
          launches: 2,
          launchP50S: 3.5,
          launchP90S: 6,
          relayBytesPerS: 0,
        },
      ],
      now,
    });
    expect(h.intervalS).toBe(30);
    expect(h.points.map((p) => p.launches)).toEqual([2, 0]);
    expect(h.points[1]).toMatchObject({ launchP50S: null, launchP90S: null, sessions: { starting: 1, ready: 2 } });
    expect(h.now).toEqual({ ...now, at: Date.parse(now.at) });
  });

  it('refuses an answer that breaks the contract', () => {
    expect(() => decodeMetricsHistory({ intervalS: 30, points: [] })).toThrow();
    expect(() => decodeMetricsHistory({ intervalS: 30, points: [{ at: 'x' }], now })).toThrow();
  });
});
