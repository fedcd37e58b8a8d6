// The admin's list of identity providers: name and id, kind and where it points, whether it is on
// and usable, its group mappings, sign-in order; Edit, Enable/Disable, Delete.
import type { IdentityProvider } from '../../api/adminIdentity.ts';
import { Badge } from '../Badge.tsx';
import { Button } from '../Button.tsx';
import { DataTable, RowActions } from '../DataTable.tsx';

interface Props {
  providers: IdentityProvider[];
  /** The provider whose enable/disable is in flight. */
  togglingId: string | undefined;
  onEdit(p: IdentityProvider): void;
  onToggle(p: IdentityProvider): void;
  onDelete(p: IdentityProvider): void;
}

/** Where the provider points: the issuer or the directory URL. */
export function target(p: IdentityProvider): string {
  const v = p.kind === 'oidc' ? p.config.issuer : p.config.url;
  return typeof v === 'string' ? v : '';
}

function Status({ p }: { p: IdentityProvider }) {
  if (!p.valid) {
    return (
      <>
        <Badge tone="red" dot>
          Settings invalid
        </Badge>
        <div class="cell-sub clamp-2" title={p.problem}>
          {p.enabled ? 'Skipped at sign-in: ' : ''}
          {p.problem ?? 'Open it to see what to fix.'}
        </div>
      </>
    );
  }
  return p.enabled ? (
    <Badge tone="green" dot>
      Enabled
    </Badge>
  ) : (
    <Badge tone="neutral" dot>
      Disabled
    </Badge>
  );
}

function Mappings({ p }: { p: IdentityProvider }) {
  if (p.mappings.length === 0) return <span class="muted">None</span>;
  const names = p.mappings.map((m) => `${m.externalGroup} → ${m.role ? `role ${m.role}` : (m.group ?? 'deleted group')}`);
  return (
    <>
      <div>{p.mappings.length === 1 ? '1 mapping' : `${p.mappings.length} mappings`}</div>
      <div class="cell-sub clamp-1" title={names.join('\n')}>
        {names.slice(0, 2).join(', ')}
        {names.length > 2 ? ', …' : ''}
      </div>
    </>
  );
}

export function IdentityProvidersTable({ providers, togglingId, onEdit, onToggle, onDelete }: Props) {
  const sorted = [...providers].sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));
  return (
    <DataTable testId="idp-table" columns={['Provider', 'Type', 'Status', 'Group mappings', { label: 'Order', class: 'num' }]} actions>
      {sorted.map((p) => (
        <tr key={p.id} data-testid={`idp-row-${p.id}`} class={p.enabled ? undefined : 'is-muted'}>
          <td class="cell-wide">
            <div class="cell-main">{p.name}</div>
            <div class="cell-sub mono">{p.id}</div>
          </td>
          <td class="idp-table__type">
            <Badge tone={p.kind === 'oidc' ? 'blue' : 'violet'}>{p.kind === 'oidc' ? 'OpenID Connect' : 'LDAP'}</Badge>
            <div class="cell-sub mono clamp-1" title={target(p)}>
              {target(p)}
            </div>
          </td>
          <td class="idp-table__status">
            <Status p={p} />
          </td>
          <td class="idp-table__mappings">
            <Mappings p={p} />
          </td>
          <td class="num">{p.position}</td>
          <RowActions>
            <Button size="sm" onClick={() => onEdit(p)} aria-label={`Edit ${p.name}`}>
              Edit
            </Button>
            <Button
              size="sm"
              busy={togglingId === p.id}
              onClick={() => onToggle(p)}
              aria-label={`${p.enabled ? 'Disable' : 'Enable'} ${p.name}`}
            >
              {p.enabled ? 'Disable' : 'Enable'}
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
