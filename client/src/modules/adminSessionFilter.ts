// The live sessions page's search box: every word must match the user (username or display name),
// the pool or the host, case- and accent-insensitively. Filters the rows already loaded.
import type { AdminSession } from '../api/admin.ts';
import type { SessionNames } from '../components/admin/SessionsTable.tsx';

const fold = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();

export function filterAdminSessions(list: readonly AdminSession[], names: SessionNames, query: string): AdminSession[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...list];
  return list.filter((s) => {
    const hay = fold([names.user(s), names.displayName(s) ?? '', names.pool(s), names.host(s)].join(' '));
    return words.every((w) => hay.includes(w));
  });
}
