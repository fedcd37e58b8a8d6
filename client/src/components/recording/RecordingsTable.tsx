// Recordings as a table: who, which pool or machine, host, when, how long, how big, what kind; and
// Play, Download (with the file's SHA-256 to check it against) and, for admins, Delete.
import type { Recording } from '../../api/recordings.ts';
import { formatDuration } from '../../modules/duration.ts';
import { formatBytes } from '../../modules/recording/bytes.ts';
import { paths } from '../../modules/router.ts';
import { formatDateTime } from '../../modules/time.ts';
import { Badge } from '../Badge.tsx';
import { DataTable, RowActions } from '../DataTable.tsx';
import { Link } from '../Link.tsx';

export const KIND_LABEL: Record<Recording['kind'], string> = { rfb: 'VNC', guac: 'RDP/SSH' };

interface Props {
  recordings: Recording[];
  admin: boolean;
  onDownload(r: Recording): void;
  onDelete(r: Recording): void;
}

export function RecordingsTable({ recordings, admin, onDownload, onDelete }: Props) {
  return (
    <DataTable
      testId="recordings-table"
      actions
      columns={['User', 'Pool or machine', 'Host', 'Started', { label: 'Duration', class: 'num' }, { label: 'Size', class: 'num' }, 'Kind']}
    >
      {recordings.map((r) => (
        <tr key={r.id} data-testid={`recording-row-${r.id}`}>
          <td class="nowrap">{r.username ?? <span class="muted">deleted user</span>}</td>
          <td>{r.poolName ?? r.machineName ?? <span class="muted">—</span>}</td>
          <td class="mono">{r.hostId ?? <span class="muted">—</span>}</td>
          <td class="nowrap">{formatDateTime(r.startedAt)}</td>
          <td class="num nowrap">
            {r.live ? <Badge tone="red">Recording</Badge> : r.failed ? <Badge tone="amber">Failed</Badge> : null}{' '}
            {formatDuration(r.durationMs / 1000)}
          </td>
          <td class="num nowrap">{formatBytes(r.sizeBytes)}</td>
          <td>
            <Badge tone={r.kind === 'rfb' ? 'blue' : 'violet'}>{KIND_LABEL[r.kind]}</Badge>
          </td>
          <RowActions>
            <Link href={paths.recording(r.id)} class="btn btn--primary btn--sm" data-testid="recording-play">
              Play
            </Link>
            <button type="button" class="btn btn--secondary btn--sm" onClick={() => onDownload(r)} data-testid="recording-download">
              Download
            </button>
            {admin && (
              <button type="button" class="btn btn--ghost btn--sm" onClick={() => onDelete(r)} data-testid="recording-delete">
                Delete
              </button>
            )}
          </RowActions>
        </tr>
      ))}
    </DataTable>
  );
}
