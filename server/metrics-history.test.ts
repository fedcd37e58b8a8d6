import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { createMetricsHistory } from './metrics-history.ts';
import { openSqliteStore } from './store/sqlite.ts';

describe('metrics history', () => {
  it('samples sessions, launches with quantiles and throughput, and keeps a bounded ring', async () => {
    const store = openSqliteStore({ file: ':memory:' });
    const clock = new ManualClock();
    const h = createMetricsHistory({ store, clock, hostsOnline: () => 2, intervalMs: 30_000, keep: 3 });
    for (const s of [0.3, 0.5, 0.7, 0.9, 2.0]) h.recordLaunch(s);
    h.recordBytes(3_000_000);
    clock.advance(30_000);
    await h.sample();
    const [p] = h.history().points;
    expect(p).toMatchObject({
      hostsOnline: 2,
      launches: 5,
      launchP50S: 0.7,
      launchP90S: 2,
      relayBytesPerS: 100_000,
      sessions: { ready: 0 },
    });
    for (let i = 0; i < 5; i++) {
      clock.advance(30_000);
      await h.sample();
    }
    expect(h.history().points).toHaveLength(3);
    expect(h.history().points.at(-1)).toMatchObject({ launches: 0, launchP50S: null, relayBytesPerS: 0 });
    await store.close();
  });
});
