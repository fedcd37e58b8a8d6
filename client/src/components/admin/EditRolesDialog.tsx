// An admin changes someone's roles (PATCH /admin/users/:id {roles}). At least one role; the
// gateway refuses (409 cannot_demote_self) to take the admin role from the admin doing it.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { AdminUser } from '../../api/adminUsers.ts';
import { errorMessage, isApiError } from '../../api/client.ts';
import { fieldProblems } from '../../api/fieldErrors.ts';
import { ROLES, type Role } from '../../api/types.ts';
import { Alert } from '../Alert.tsx';
import { Button } from '../Button.tsx';
import { FieldNote } from '../FieldNote.tsx';
import { ROLE_HELP } from './CreateUserForm.tsx';

interface Props {
  user: AdminUser;
  onSubmit(roles: Role[]): Promise<void>;
  onClose(): void;
}

function failure(e: unknown): string {
  if (isApiError(e) && e.code === 'cannot_demote_self') return 'You cannot remove your own admin role.';
  return errorMessage(e);
}

export function EditRolesDialog({ user, onSubmit, onClose }: Props) {
  const [roles, setRoles] = useState<Role[]>(() => ROLES.filter((r) => user.roles.includes(r)));
  const [fieldError, setFieldError] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    document.querySelector<HTMLInputElement>('#edit-roles input')?.focus();
    const onKey = (ev: KeyboardEvent): void => {
      if (ev.key === 'Escape') closeRef.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const toggle = (role: Role, on: boolean): void => {
    setFieldError(undefined);
    setRoles((rs) => ROLES.filter((r) => (r === role ? on : rs.includes(r))));
  };

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    if (roles.length === 0) {
      setFieldError('Choose at least one role.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit(roles);
      onClose();
    } catch (e) {
      const problem = fieldProblems(e).byField.roles;
      if (problem) setFieldError(`Roles ${problem}.`);
      else setError(failure(e));
      setBusy(false);
    }
  };

  return (
    <div class="modal-backdrop" onClick={(ev) => ev.target === ev.currentTarget && !busy && onClose()}>
      <div class="modal" role="dialog" aria-modal="true" aria-labelledby="edit-roles-title" data-testid="edit-roles-dialog">
        <form class="modal__form" onSubmit={(ev) => void submit(ev)} noValidate>
          <h2 id="edit-roles-title" class="modal__title">
            Roles of {user.displayName}
          </h2>
          <fieldset class="fieldset" id="edit-roles" aria-describedby={fieldError ? 'edit-roles-error' : undefined}>
            <legend class="field__label">Roles</legend>
            {ROLES.map((role) => (
              <label key={role} class="check">
                <input
                  type="checkbox"
                  name="roles"
                  value={role}
                  checked={roles.includes(role)}
                  onChange={(ev) => toggle(role, ev.currentTarget.checked)}
                />
                <span>
                  <span class="check__label">{role[0]?.toUpperCase() + role.slice(1)}</span>
                  <span class="check__help">{ROLE_HELP[role]}</span>
                </span>
              </label>
            ))}
            <FieldNote id="edit-roles" error={fieldError} />
          </fieldset>
          {error && <Alert title="The roles were not changed">{error}</Alert>}
          <div class="modal__actions">
            <button type="button" class="btn btn--secondary btn--md" onClick={onClose} disabled={busy}>
              Cancel
            </button>
            <Button type="submit" variant="primary" busy={busy}>
              Save roles
            </Button>
          </div>
        </form>
      </div>
    </div>
  );
}
