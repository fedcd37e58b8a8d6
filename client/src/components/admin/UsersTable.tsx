// The admin's list of users (roles, groups, status) with enable/disable, edit roles, reset
// password and delete.
import type { AdminUser } from '../../api/adminUsers.ts';
import { Badge } from '../Badge.tsx';
import { Button } from '../Button.tsx';
import { DataTable, RowActions } from '../DataTable.tsx';

interface Props {
  users: AdminUser[];
  meId: string;
  busyId: string | undefined;
  onToggleDisabled(user: AdminUser): void;
  onDelete(user: AdminUser): void;
  onResetPassword?(user: AdminUser): void;
  onEditRoles?(user: AdminUser): void;
  onResetMfa?(user: AdminUser): void;
}

const ROLE_TONE: Record<string, 'violet' | 'blue' | 'neutral'> = { admin: 'violet', helpdesk: 'blue' };

export function UsersTable({ users, meId, busyId, onToggleDisabled, onDelete, onResetPassword, onEditRoles, onResetMfa }: Props) {
  return (
    <DataTable testId="users-table" columns={['User', 'Roles', 'Groups', 'Status']} actions>
      {users.map((u) => {
        const self = u.id === meId;
        return (
          <tr key={u.id} data-testid={`user-row-${u.username}`} class={u.disabled ? 'is-muted' : undefined}>
            <td>
              <div class="cell-main">{u.displayName}</div>
              <div class="cell-sub">
                {u.username}
                {self && ' · you'}
                {u.providers.length > 0 && (
                  <span data-testid={`user-provider-${u.username}`}> · via {u.providers.map((p) => p.name).join(', ')}</span>
                )}
              </div>
            </td>
            <td>
              <div class="badges">
                {u.roles.length === 0 && <span class="muted">—</span>}
                {u.roles.map((r) => (
                  <Badge key={r} tone={ROLE_TONE[r] ?? 'neutral'}>
                    {r}
                  </Badge>
                ))}
              </div>
            </td>
            <td>
              <div class="badges">
                {u.groups.length === 0 && <span class="muted">—</span>}
                {u.groups.map((g) => (
                  <Badge key={g} tone="blue">
                    {g}
                  </Badge>
                ))}
              </div>
            </td>
            <td>
              {u.disabled ? (
                <Badge tone="neutral" dot>
                  Disabled
                </Badge>
              ) : (
                <Badge tone="green" dot>
                  Active
                </Badge>
              )}
              <div class="cell-sub" data-testid={`user-mfa-${u.username}`}>
                {u.mfa?.enabled ? (
                  <Badge tone="green">2-step on</Badge>
                ) : u.mfa?.requiredByPolicy ? (
                  <Badge tone="amber">2-step required</Badge>
                ) : (
                  '2-step off'
                )}
              </div>
            </td>
            <RowActions>
              <div class="table__actions-wrap">
                <Button
                  size="sm"
                  busy={busyId === u.id}
                  disabled={self}
                  title={self ? 'You cannot disable your own account' : undefined}
                  onClick={() => onToggleDisabled(u)}
                  aria-label={`${u.disabled ? 'Enable' : 'Disable'} ${u.username}`}
                >
                  {u.disabled ? 'Enable' : 'Disable'}
                </Button>
                {onEditRoles && (
                  <Button size="sm" onClick={() => onEditRoles(u)} aria-label={`Edit roles of ${u.username}`}>
                    Edit roles
                  </Button>
                )}
                {onResetPassword && u.providers.length === 0 && (
                  <Button
                    size="sm"
                    onClick={() => onResetPassword(u)}
                    aria-label={`Reset password of ${u.username}`}
                    title={self ? 'Use your Account page to change your own password' : undefined}
                    disabled={self}
                  >
                    Reset password
                  </Button>
                )}
                {onResetMfa && u.mfa?.enabled && (
                  <Button
                    size="sm"
                    onClick={() => onResetMfa(u)}
                    aria-label={`Reset two-step verification of ${u.username}`}
                    title={self ? 'Use your Account page to change your own two-step verification' : undefined}
                    disabled={self}
                  >
                    Reset MFA
                  </Button>
                )}
                <Button
                  size="sm"
                  variant="subtle-danger"
                  disabled={self}
                  title={self ? 'You cannot delete your own account' : undefined}
                  onClick={() => onDelete(u)}
                  aria-label={`Delete ${u.username}`}
                >
                  Delete
                </Button>
              </div>
            </RowActions>
          </tr>
        );
      })}
    </DataTable>
  );
}
