// The admin's list of hosts: state, connection, drivers, capacity, last heartbeat; and the state
// changes that fit each host (Drain, Cordon, Uncordon), SSH access (a terminal on it, as a machine) and Remove.
import type { Host, HostAction } from '../../api/adminHosts.ts';
import { paths } from '../../modules/router.ts';
import { formatBytes } from '../../modules/recording/bytes.ts';
import { formatAgo, formatDateTime } from '../../modules/time.ts';
import { Badge, HostStateBadge } from '../Badge.tsx';
import { Button } from '../Button.tsx';
import { DataTable, RowActions } from '../DataTable.tsx';
import { Link } from '../Link.tsx';

interface Props {
  hosts: Host[];
  now: number;
  busy: { id: string; action: HostAction | 'remove' } | undefined;
  onAction(host: Host, action: HostAction): void;
  onRemove(host: Host): void;
}

/** Which state changes make sense from each state; Uncordon brings a host back into service. */
function actionsFor(state: string): HostAction[] {
  if (state === 'draining') return ['cordon', 'uncordon'];
  if (state === 'cordoned') return ['drain', 'uncordon'];
  return ['drain', 'cordon'];
}

const LABEL: Record<HostAction, string> = { drain: 'Drain', cordon: 'Cordon', uncordon: 'Uncordon' };

function capacityNote(h: Host): string {
  const parts = [
    h.capacity.cpu ? `${h.capacity.cpu} CPU` : '',
    h.capacity.memoryMb ? `${Math.round(h.capacity.memoryMb / 1024)} GB` : '',
  ].filter(Boolean);
  return parts.join(' · ');
}

export function HostsTable({ hosts, now, busy, onAction, onRemove }: Props) {
  return (
    <DataTable
      testId="hosts-table"
      columns={['Host', 'State', 'Connected', 'Drivers', { label: 'Capacity', class: 'num' }, { label: 'Last heartbeat', class: 'nowrap' }]}
      actions
    >
      {hosts.map((h) => {
        const labels = Object.entries(h.labels);
        return (
          <tr key={h.id} data-testid={`host-row-${h.id}`} data-host-name={h.name} data-state={h.state}>
            <td class="cell-wide">
              <div class="cell-main">{h.name}</div>
              <div class="cell-sub mono">{h.id}</div>
              {labels.length > 0 && <div class="cell-sub">{labels.map(([k, v]) => `${k}=${v}`).join(', ')}</div>}
              <div class="cell-sub">
                <Link
                  href={paths.adminMachines(h.id)}
                  aria-label={`SSH access to ${h.name}`}
                  title="Register this host's SSH server as a machine, reached through its own agent"
                >
                  SSH access…
                </Link>
              </div>
            </td>
            <td>
              <HostStateBadge state={h.state} />
            </td>
            <td>
              <span class={h.connected ? 'conn conn--yes' : 'conn'}>
                <span class="conn__dot" aria-hidden="true" />
                {h.connected ? 'Connected' : 'Not connected'}
              </span>
            </td>
            <td>
              <div class="badges">
                {h.drivers.length === 0 && <span class="muted">—</span>}
                {h.drivers.map((d) => (
                  <Badge key={d}>{d}</Badge>
                ))}
              </div>
            </td>
            <td class="num nowrap">
              <div>
                {h.desktops ?? '—'} / {h.capacity.desktops ?? '—'} desktops
              </div>
              {h.spares ? <div class="cell-sub">{h.spares} warm</div> : null}
              {h.disk && (
                <div class="cell-sub" data-testid="host-disk" title="Disk the VMs' disks take on this host, kept personal disks included">
                  VM disks {formatBytes(h.disk.bytes)}
                </div>
              )}
              {capacityNote(h) && <div class="cell-sub">{capacityNote(h)}</div>}
            </td>
            <td class="nowrap" title={formatDateTime(h.lastHeartbeatAt)}>
              {h.lastHeartbeatAt === undefined ? <span class="muted">never</span> : formatAgo(h.lastHeartbeatAt, now)}
            </td>
            <RowActions>
              {actionsFor(h.state).map((a) => (
                <Button
                  key={a}
                  size="sm"
                  busy={busy?.id === h.id && busy.action === a}
                  disabled={busy !== undefined}
                  onClick={() => onAction(h, a)}
                  aria-label={`${LABEL[a]} ${h.name}`}
                >
                  {LABEL[a]}
                </Button>
              ))}
              <Button
                size="sm"
                variant="subtle-danger"
                disabled={busy !== undefined}
                onClick={() => onRemove(h)}
                aria-label={`Remove ${h.name}`}
              >
                Remove
              </Button>
            </RowActions>
          </tr>
        );
      })}
    </DataTable>
  );
}
