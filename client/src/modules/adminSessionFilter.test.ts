import { describe, expect, it } from 'vitest';
import type { AdminSession } from '../api/admin.ts';
import type { SessionNames } from '../components/admin/SessionsTable.tsx';
import { filterAdminSessions } from './adminSessionFilter.ts';

const s = (over: Partial<AdminSession>): AdminSession => ({
  id: 's-1',
  poolId: 'p-1',
  protocol: 'vnc',
  userId: 'u-1',
  state: 'ready',
  viewers: 0,
  desktopId: null,
  username: null,
  poolName: null,
  hostName: null,
  ...over,
});
const names: SessionNames = {
  user: (x) => x.username ?? x.userId,
  displayName: (x) => (x.username === 'zoe' ? 'Zoë Ñuñez' : undefined),
  pool: (x) => x.poolName ?? x.poolId ?? '',
  host: (x) => x.hostName ?? '—',
};

describe('admin sessions search', () => {
  it('matches every word against user, pool and host, ignoring case and accents', () => {
    const list = [
      s({ id: 'a', username: 'ada', poolName: 'Linux desktop', hostName: 'vm-01' }),
      s({ id: 'b', username: 'zoe', poolName: 'Windows', hostName: 'vm-02' }),
    ];
    const ids = (q: string): string[] => filterAdminSessions(list, names, q).map((x) => x.id);
    expect(ids('  ')).toEqual(['a', 'b']);
    expect(ids('ADA')).toEqual(['a']);
    expect(ids('nunez windows')).toEqual(['b']);
    expect(ids('vm-01')).toEqual(['a']);
    expect(ids('linux')).toEqual(['a']);
    expect(ids('ada windows')).toEqual([]);
  });
});
