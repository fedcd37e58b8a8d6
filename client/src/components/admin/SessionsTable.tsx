// The admin's table of live sessions across all hosts, each with "End" and, while running, "Shadow".
import type { AdminSession } from '../../api/admin.ts';
import { offersEnd } from '../../modules/sessionActions.ts';
import { formatBytes } from '../../modules/recording/bytes.ts';
import { formatAgo, formatDateTime } from '../../modules/time.ts';
import { StateBadge } from '../Badge.tsx';
import { Button } from '../Button.tsx';
import { DataTable, RowActions } from '../DataTable.tsx';

export interface SessionNames {
  user(s: AdminSession): string;
  displayName(s: AdminSession): string | undefined;
  pool(s: AdminSession): string;
  host(s: AdminSession): string;
}

interface Props {
  sessions: AdminSession[];
  names: SessionNames;
  now: number;
  onEnd(session: AdminSession): void;
  onShadow?(session: AdminSession): void;
}

export function SessionsTable({ sessions, names, now, onEnd, onShadow }: Props) {
  return (
    <DataTable testId="sessions-table" columns={['User', 'Pool', 'Host', 'State', 'Started', { label: 'Viewers', class: 'num' }]} actions>
      {sessions.map((s) => (
        <tr key={s.id} data-testid={`session-row-${s.id}`} data-state={s.state}>
          <td>
            <div class="cell-main">{names.displayName(s) ?? names.user(s)}</div>
            {names.displayName(s) && <div class="cell-sub">{names.user(s)}</div>}
          </td>
          <td>{names.pool(s)}</td>
          <td>
            <div class="mono">{names.host(s)}</div>
            {s.diskBytes !== undefined && (
              <div class="cell-sub" data-testid="session-disk" title="Disk this desktop's VM disk takes on its host">
                disk {formatBytes(s.diskBytes)}
              </div>
            )}
          </td>
          <td>
            <StateBadge state={s.state} />
          </td>
          <td title={formatDateTime(s.createdAt)}>{formatAgo(s.createdAt, now)}</td>
          <td class="num">{s.viewers}</td>
          <RowActions>
            {onShadow && s.state === 'ready' && (
              <Button size="sm" onClick={() => onShadow(s)} aria-label={`Shadow ${names.user(s)}'s desktop`}>
                Shadow
              </Button>
            )}
            {offersEnd(s.state) && (
              <Button
                size="sm"
                variant="subtle-danger"
                disabled={s.state === 'ending'}
                onClick={() => onEnd(s)}
                aria-label={`End session of ${names.user(s)} in ${names.pool(s)}`}
              >
                {s.state === 'ending' ? 'Ending…' : 'End'}
              </Button>
            )}
          </RowActions>
        </tr>
      ))}
    </DataTable>
  );
}
