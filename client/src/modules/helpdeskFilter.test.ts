import { describe, expect, it } from 'vitest';
import type { HelpdeskSession } from '../api/helpdesk.ts';
import type { Shadow } from '../api/shadows.ts';
import { filterSessions, shadowSummary } from './helpdeskFilter.ts';

const s = (over: Partial<HelpdeskSession>): HelpdeskSession => ({
  id: 's-1',
  poolId: 'p-1',
  protocol: 'vnc',
  userId: 'u-1',
  state: 'ready',
  viewers: 1,
  username: 'ada',
  displayName: 'Ada Lovelace',
  poolName: 'Linux desktop',
  hostName: 'vm-01',
  thumbnailUrl: '/t',
  shadows: [],
  ...over,
});
const sh = (over: Partial<Shadow>): Shadow => ({
  id: 'sh',
  sessionId: 's-1',
  requesterId: 'u-h',
  requesterName: 'hana',
  requesterDisplayName: 'Hana',
  mode: 'view',
  reason: 'x',
  state: 'approved',
  consent: 'owner',
  ...over,
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
