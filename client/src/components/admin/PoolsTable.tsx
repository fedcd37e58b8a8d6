// The admin's list of pools: what each runs, its limits and timeouts, who may use it; Edit, Delete.
// A pool that cannot be launched now says why under its name ("RDP needs guacd: …").
import type { AdminPool } from '../../api/adminPools.ts';
import { formatDuration } from '../../modules/duration.ts';
import { Badge, ProtocolBadge } from '../Badge.tsx';
import { Button } from '../Button.tsx';
import { DataTable, RowActions } from '../DataTable.tsx';

interface Props {
  pools: AdminPool[];
  /** Group id → name. */
  groupNames: Map<string, string>;
  editingId: string | undefined;
  onEdit(pool: AdminPool): void;
  onDelete(pool: AdminPool): void;
}

const timeout = (s: number, zero: string): string => (s === 0 ? zero : formatDuration(s));

function memory(mb: number): string {
  return mb >= 1024 && mb % 1024 === 0 ? `${mb / 1024} GB` : `${mb} MB`;
}

function resources(p: AdminPool): string {
  const parts = [p.cpu !== null ? `${p.cpu} CPU` : '', p.memoryMb !== null ? memory(p.memoryMb) : ''].filter(Boolean);
  return parts.join(' · ');
}

export function PoolsTable({ pools, groupNames, editingId, onEdit, onDelete }: Props) {
  return (
    <DataTable testId="pools-table" columns={['Pool', 'Runs', 'Persistence', 'Desktops', 'Timeouts', 'Entitled']} actions>
      {pools.map((p) => (
        <tr key={p.id} data-testid={`pool-row-${p.id}`} data-pool-name={p.name} class={p.id === editingId ? 'is-selected' : undefined}>
          <td class="cell-wide">
            <div class="cell-main">{p.name}</div>
            {p.description && (
              <div class="cell-sub clamp-1" title={p.description}>
                {p.description}
              </div>
            )}
            {p.unavailable && (
              <div class="pool-unavailable" role="note" data-testid={`pool-unavailable-${p.id}`}>
                {p.unavailable}
              </div>
            )}
          </td>
          <td class="cell-driver">
            <div class="inline-pair">
              <span>{p.driver}</span>
              <ProtocolBadge protocol={p.protocol} />
            </div>
            {p.image && (
              <div class="cell-sub mono clamp-1" title={p.image}>
                {p.image}
              </div>
            )}
            {resources(p) && <div class="cell-sub nowrap">{resources(p)}</div>}
            {p.network === 'restricted' && <div class="cell-sub nowrap">restricted network</div>}
          </td>
          <td>
            <div>{p.persistence === 'personal' ? 'Personal' : 'Pooled'}</div>
            <div class="cell-sub nowrap">{p.placement === 'depth' ? 'packs hosts' : 'spreads hosts'}</div>
          </td>
          <td class="nowrap">
            <div>max {p.maxDesktops}</div>
            <div class="cell-sub">
              {p.minWarm} warm · {p.maxPerUser} per user
            </div>
          </td>
          <td class="nowrap">
            <div>Idle {timeout(p.idleTimeoutS, 'never')}</div>
            <div class="cell-sub">Grace {timeout(p.graceS, 'none')}</div>
            <div class="cell-sub">Lifetime {timeout(p.maxLifetimeS, 'unlimited')}</div>
          </td>
          <td>
            <div class="badges">
              {p.groups.length === 0 ? (
                <Badge tone="green">Everyone</Badge>
              ) : (
                p.groups.map((g) => (
                  <Badge key={g} tone={groupNames.has(g) ? 'blue' : 'neutral'}>
                    {groupNames.get(g) ?? g}
                  </Badge>
                ))
              )}
            </div>
          </td>
          <RowActions>
            <Button size="sm" onClick={() => onEdit(p)} aria-label={`Edit ${p.name}`}>
              Edit
            </Button>
            <Button size="sm" variant="subtle-danger" onClick={() => onDelete(p)} aria-label={`Delete ${p.name}`}>
              Delete
            </Button>
          </RowActions>
        </tr>
      ))}
    </DataTable>
  );
}
