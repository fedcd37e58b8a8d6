// The audit trail as a table: when, who, what, to what, result, from where, and the details as
// compact JSON (full text on hover).
import type { AuditEvent } from '../../api/adminAudit.ts';
import { formatDateTime } from '../../modules/time.ts';
import { ResultBadge } from '../Badge.tsx';
import { DataTable } from '../DataTable.tsx';

export function compactJson(details: unknown): string {
  if (details === undefined || details === null) return '';
  if (typeof details === 'object' && Object.keys(details).length === 0) return '';
  try {
    return JSON.stringify(details);
  } catch {
    return String(details);
  }
}

function shortTime(at: number | undefined): string {
  if (at === undefined) return '—';
  const d = new Date(at);
  const today = new Date().toDateString() === d.toDateString();
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return today ? time : `${d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })}, ${time}`;
}

export function AuditTable({ events }: { events: AuditEvent[] }) {
  return (
    <DataTable testId="audit-table" dense columns={['Time', 'Actor', 'Action', 'Target', 'Result', 'IP', 'Details']}>
      {events.map((e) => {
        const details = compactJson(e.details);
        return (
          <tr key={e.id} data-testid={`audit-row-${e.id}`} data-action={e.action} data-result={e.result}>
            <td class="nowrap" title={formatDateTime(e.at)}>
              {shortTime(e.at)}
            </td>
            <td class="nowrap">{e.actor ?? <span class="muted">—</span>}</td>
            <td class="mono nowrap">{e.action}</td>
            <td class="mono">
              <span class="clamp-1 target" title={e.target ?? undefined}>
                {e.target ?? <span class="muted">—</span>}
              </span>
            </td>
            <td>
              <ResultBadge result={e.result} />
            </td>
            <td class="mono nowrap">{e.ip ?? <span class="muted">—</span>}</td>
            <td class="mono details-cell">
              {details ? (
                <span class="clamp-2" title={details}>
                  {details}
                </span>
              ) : (
                <span class="muted">—</span>
              )}
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}
