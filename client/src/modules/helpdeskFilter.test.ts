import { describe, expect, it } from 'vitest';
import type { HelpdeskSession } from '../api/helpdesk.ts';
import type { Shadow } from '../api/shadows.ts';
import { filterSessions, shadowSummary } from './helpdeskFilter.ts';
import { dashboardTotals, formatMiBps, formatSeconds } from './dashboard.ts';

const s = (over: Partial<HelpdeskSession>): HelpdeskSession => ({
  id: 's-1', poolId: 'p-1', userId: 'u-1', state: 'ready', viewers: 1, username: 'ada', displayName: 'Ada Lovelace',
  poolName: 'Linux desktop', hostName: 'vm-01', thumbnailUrl: '/t', shadows: [], ...over,
});
const sh = (over: Partial<Shadow>): Shadow => ({
  id: 'sh', sessionId: 's-1', requesterId: 'u-h', requesterName: 'hana', requesterDisplayName: 'Hana', mode: 'view', reason: 'x', state: 'approved', consent: 'owner', ...over,
});

describe('helpdesk search', () => {
  it('matches every word against user, pool and host, ignoring case and accents', () => {
    const list = [s({ id: 'a' }), s({ id: 'b', username: 'zoe', displayName: 'Zoë Ñuñez', poolName: 'Windows', hostName: 'vm-02' })];
    expect(filterSessions(list, '').map((x) => x.id)).toEqual(['a', 'b']);
    expect(filterSessions(list, 'zoe').map((x) => x.id)).toEqual(['b']);
    expect(filterSessions(list, 'NUNEZ windows').map((x) => x.id)).toEqual(['b']);
    expect(filterSessions(list, 'vm-01').map((x) => x.id)).toEqual(['a']);
    expect(filterSessions(list, 'ada windows')).toEqual([]);
  });

  it('summarises who is shadowing', () => {
    expect(shadowSummary(s({})).label).toBe('Not shadowed');
    expect(shadowSummary(s({ shadows: [sh({ state: 'pending' })] })).label).toBe('Request waiting (Hana)');
    expect(shadowSummary(s({ shadows: [sh({ mode: 'control' })] })).label).toBe('Controlled by Hana');
  });
});

describe('dashboard totals', () => {
  it('takes the latest point, sums launches and keeps the last known launch times', () => {
    const p = (at: number, launches: number, p50: number | null) => ({ at, sessions: { starting: 0, ready: at, ending: 0, lost: 0 }, hostsOnline: 2, launches, launchP50S: p50, launchP90S: p50 === null ? null : p50 * 2, relayBytesPerS: 2097152 });
    const t = dashboardTotals({ intervalS: 30, points: [p(1, 2, 4), p(2, 1, 3), p(3, 0, null)] });
    expect(t).toMatchObject({ ready: 3, hostsOnline: 2, launchesHour: 3, launchP50S: 3, launchP90S: 6, relayBytesPerS: 2097152 });
    expect(dashboardTotals({ intervalS: 30, points: [] })).toMatchObject({ ready: 0, launchP50S: null });
  });

  it('formats seconds and MiB/s', () => {
    expect(formatSeconds(3.456)).toBe('3.5 s');
    expect(formatSeconds(42.4)).toBe('42 s');
    expect(formatMiBps(0)).toBe('0 MiB/s');
    expect(formatMiBps(1048576 * 1.5)).toBe('1.5 MiB/s');
    expect(formatMiBps(100)).toBe('<0.01 MiB/s');
  });
});
