import { describe, expect, it } from 'vitest';
import type { Recording } from '../../api/recordings.ts';
import { learnChoices, toFilter } from './filterOptions.ts';

const rec = (o: Partial<Recording>): Recording => ({
  id: 'rec-1',
  kind: 'rfb',
  sessionId: 's',
  userId: 'u1',
  startedAt: 0,
  durationMs: 0,
  sizeBytes: 0,
  parts: [],
  live: false,
  failed: false,
  ...o,
});

describe('recording filter choices', () => {
  it('offers each person, pool, machine and host once, by name, and keeps them when a filtered list is shorter', () => {
    const a = learnChoices(undefined, [
      rec({ userId: 'u2', username: 'bob', poolId: 'p1', poolName: 'Linux', hostId: 'h1' }),
      rec({ userId: 'u1', username: 'alice', machineId: 'm1', machineName: 'Build box' }),
      rec({ userId: 'u2', username: 'bob', poolId: 'p1', poolName: 'Linux', hostId: 'h1' }),
    ]);
    expect(a.users).toEqual([
      { value: 'u1', label: 'alice' },
      { value: 'u2', label: 'bob' },
    ]);
    expect(a.places.map((c) => c.value)).toEqual(['machine:m1', 'pool:p1']);
    expect(learnChoices(a, []).hosts).toEqual([{ value: 'h1', label: 'h1' }]);
  });
  it('turns the form into the API filter (pool or machine by its prefix)', () => {
    expect(toFilter({ user: 'u1', place: 'machine:m1', host: '', from: '2026-12-01', to: '' })).toEqual({
      user: 'u1',
      machine: 'm1',
      from: '2026-12-01',
    });
    expect(toFilter({ user: '', place: 'pool:p1', host: 'h1', from: '', to: '2026-12-06' })).toEqual({
      pool: 'p1',
      host: 'h1',
      to: '2026-12-06',
    });
  });
});
