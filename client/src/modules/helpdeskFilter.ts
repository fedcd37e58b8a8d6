// The helpdesk console's search: every word must match the user (display name or username), the
// pool or the host, case- and accent-insensitively.
import type { HelpdeskSession } from '../api/helpdesk.ts';

const fold = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();

export function matchesSearch(s: HelpdeskSession, query: string): boolean {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = fold([s.displayName, s.username, s.poolName, s.hostName ?? ''].join(' '));
  return words.every((w) => hay.includes(w));
}

export function filterSessions(list: readonly HelpdeskSession[], query: string): HelpdeskSession[] {
  return list.filter((s) => matchesSearch(s, query));
}

/** What the card says about shadowing: nobody, someone waiting for an answer, or someone looking. */
export function shadowSummary(s: HelpdeskSession): { tone: 'neutral' | 'amber' | 'violet'; label: string } {
  const approved = s.shadows.filter((x) => x.state === 'approved');
  const pending = s.shadows.filter((x) => x.state === 'pending');
  if (approved.length > 0) {
    const first = approved[0]!;
    const more = approved.length > 1 ? ` +${approved.length - 1}` : '';
    return { tone: 'violet', label: `${first.mode === 'control' ? 'Controlled' : 'Viewed'} by ${first.requesterDisplayName}${more}` };
  }
  if (pending.length > 0) return { tone: 'amber', label: `Request waiting (${pending[0]!.requesterDisplayName})` };
  return { tone: 'neutral', label: 'Not shadowed' };
}
