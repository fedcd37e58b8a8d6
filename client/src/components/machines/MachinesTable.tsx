// The admin's list of existing machines: what and where each is, which agents reach it, how Deskport
// signs in (never a secret, only whether one is set), who may use it, and why it is unavailable.
import type { Host } from '../../api/adminHosts.ts';
import type { AdminMachine, CredentialMode } from '../../api/machines.ts';
import { Badge, ProtocolBadge } from '../Badge.tsx';
import { Button } from '../Button.tsx';
import { DataTable, RowActions } from '../DataTable.tsx';

interface Props {
  machines: AdminMachine[];
  hosts: Map<string, Host>;
  /** Group id → name. */
  groupNames: Map<string, string>;
  editingId: string | undefined;
  onEdit(machine: AdminMachine): void;
  onDelete(machine: AdminMachine): void;
}

const MODE_LABEL: Record<CredentialMode, string> = {
  shared: 'Shared account',
  per_user: 'Each person’s own',
  passthrough: 'Their directory sign-in',
  none: 'No sign-in',
};

/** An IPv6 literal takes brackets before its port. */
export const hostPort = (address: string, port: number): string => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

function secrets(m: AdminMachine): string {
  const set = [m.passwordSet ? 'password' : '', m.privateKeySet ? 'key' : ''].filter(Boolean);
  return set.length > 0 ? `${set.join(' + ')} set` : 'no secret set';
}

function Reach({ m, hosts }: { m: AdminMachine; hosts: Map<string, Host> }) {
  if (m.hostId !== null) {
    const host = hosts.get(m.hostId);
    return (
      <>
        <div>{host?.name ?? 'Removed host'}</div>
        <div class="cell-sub">{host ? (host.connected ? 'connected' : 'not connected') : m.hostId}</div>
      </>
    );
  }
  return (
    <>
      <div class="cell-sub">hosts with label</div>
      <div class="mono">{m.hostLabel}</div>
    </>
  );
}

export function MachinesTable({ machines, hosts, groupNames, editingId, onEdit, onDelete }: Props) {
  return (
    <DataTable testId="machines-table" columns={['Machine', 'Address', 'Via', 'Sign-in', 'Entitled']} actions>
      {machines.map((m) => (
        <tr
          key={m.id}
          data-testid={`machine-row-${m.id}`}
          data-machine-name={m.name}
          class={m.id === editingId ? 'is-selected' : undefined}
        >
          <td class="cell-wide">
            <div class="inline-pair">
              <span class="cell-main">{m.name}</span>
              <ProtocolBadge protocol={m.protocol} />
            </div>
            {m.description && (
              <div class="cell-sub clamp-1" title={m.description}>
                {m.description}
              </div>
            )}
            {m.unavailable && (
              <div class="machine-unavailable" data-testid={`machine-unavailable-${m.id}`}>
                {m.unavailable}
              </div>
            )}
          </td>
          <td>
            <div class="mono nowrap">{hostPort(m.address, m.port)}</div>
            {m.protocol === 'rdp' && (
              <div class="cell-sub nowrap">
                {m.security === 'any' ? 'negotiate' : m.security.toUpperCase()}
                {m.ignoreCert && ' · any certificate'}
                {m.domain && ` · ${m.domain}`}
              </div>
            )}
          </td>
          <td>
            <Reach m={m} hosts={hosts} />
          </td>
          <td>
            <div class="nowrap">{MODE_LABEL[m.credentialMode]}</div>
            {m.credentialMode === 'shared' && (
              <div class="cell-sub">
                {m.username ? `${m.username} · ` : ''}
                {secrets(m)}
              </div>
            )}
          </td>
          <td>
            <div class="badges">
              {m.groups.length === 0 ? (
                <Badge tone="green">Everyone</Badge>
              ) : (
                m.groups.map((g) => (
                  <Badge key={g} tone={groupNames.has(g) ? 'blue' : 'neutral'}>
                    {groupNames.get(g) ?? g}
                  </Badge>
                ))
              )}
            </div>
          </td>
          <RowActions>
            <Button size="sm" onClick={() => onEdit(m)} aria-label={`Edit ${m.name}`}>
              Edit
            </Button>
            <Button size="sm" variant="subtle-danger" onClick={() => onDelete(m)} aria-label={`Delete ${m.name}`}>
              Delete
            </Button>
          </RowActions>
        </tr>
      ))}
    </DataTable>
  );
}
