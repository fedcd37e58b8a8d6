// The admin's "new user" form: username, display name, password, roles and groups. The gateway's
// field-level 400 details appear under the field they concern.
import { useEffect, useRef, useState } from 'preact/hooks';
import { createUser, type AdminUser } from '../../api/adminUsers.ts';
import type { Group } from '../../api/adminGroups.ts';
import { errorMessage, isApiError } from '../../api/client.ts';
import { fieldProblems, unplacedProblems } from '../../api/fieldErrors.ts';
import { ROLES, type Role } from '../../api/types.ts';
import { Alert } from '../Alert.tsx';
import { Button } from '../Button.tsx';
import { FailureAlert, type FormFailure } from '../FailureAlert.tsx';
import { FieldNote } from '../FieldNote.tsx';
import { GroupPicker } from '../GroupPicker.tsx';
import { TextField } from '../TextField.tsx';

/** One line per role, shown next to its checkbox (here and in the edit-roles dialog). */
export const ROLE_HELP: Record<Role, string> = {
  user: 'Launches desktops',
  helpdesk: 'Can shadow sessions',
  admin: 'Full administration',
};

const SHOWN = ['username', 'displayName', 'password', 'roles', 'groups'];

export function CreateUserForm({ groups, onCreated }: { groups: Group[] | undefined; onCreated(user: AdminUser): void }) {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState<Role[]>(['user']);
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<FormFailure>();
  const [created, setCreated] = useState<string>();
  const formRef = useRef<HTMLFormElement>(null);

  // Take the admin to the first field that needs a fix.
  useEffect(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), [errors]);

  const toggleRole = (role: Role, on: boolean): void => setRoles((rs) => (on ? [...rs, role] : rs.filter((r) => r !== role)));

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    if (!username.trim() || !password) {
      setErrors({ ...(username.trim() ? {} : { username: 'enter a username' }), ...(password ? {} : { password: 'enter a password' }) });
      setFailure(undefined);
      return;
    }
    setBusy(true);
    setErrors({});
    setFailure(undefined);
    setCreated(undefined);
    try {
      // Groups deleted since the list loaded would be refused; send only ones still listed.
      const known = groupIds.filter((id) => groups?.some((g) => g.id === id));
      const user = await createUser({ username: username.trim(), displayName: displayName.trim(), password, roles, groups: known });
      setCreated(user.username);
      setUsername('');
      setDisplayName('');
      setPassword('');
      setRoles(['user']);
      setGroupIds([]);
      onCreated(user);
    } catch (e) {
      const problems = fieldProblems(e);
      if (isApiError(e) && e.code === 'username_taken') problems.byField.username = e.message;
      setErrors(problems.byField);
      const lines = unplacedProblems(problems, SHOWN);
      if (Object.keys(problems.byField).length === 0 || lines.length > 0) setFailure({ message: errorMessage(e), lines });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      ref={formRef}
      class="card stack"
      onSubmit={(ev) => void submit(ev)}
      aria-labelledby="new-user-title"
      data-testid="create-user-form"
      noValidate
    >
      <h2 id="new-user-title" class="card__title">
        New user
      </h2>
      {failure && <FailureAlert failure={failure} />}
      {created && <Alert tone="success">Created {created}. They can sign in now.</Alert>}
      <TextField
        id="new-user-username"
        name="username"
        label="Username"
        value={username}
        onValue={setUsername}
        error={errors.username}
        autocomplete="off"
        autoCapitalize="none"
        spellcheck={false}
        required
      />
      <TextField
        id="new-user-display-name"
        name="displayName"
        label="Display name"
        value={displayName}
        onValue={setDisplayName}
        error={errors.displayName}
        autocomplete="off"
        placeholder="e.g. Ada Lovelace"
      />
      <TextField
        id="new-user-password"
        name="password"
        type="password"
        label="Password"
        value={password}
        onValue={setPassword}
        error={errors.password}
        autocomplete="new-password"
        required
        hint="At least 12 characters, not the username or a common password. Share it with the person over a safe channel."
      />
      <fieldset class="fieldset" id="new-user-roles">
        <legend class="field__label">Roles</legend>
        {ROLES.map((role) => (
          <label key={role} class="check">
            <input
              type="checkbox"
              name="roles"
              value={role}
              checked={roles.includes(role)}
              onChange={(ev) => toggleRole(role, ev.currentTarget.checked)}
            />
            <span>
              <span class="check__label">{role[0]?.toUpperCase() + role.slice(1)}</span>
              <span class="check__help">{ROLE_HELP[role]}</span>
            </span>
          </label>
        ))}
        <FieldNote id="new-user-roles" error={errors.roles} />
      </fieldset>
      <GroupPicker
        id="new-user-groups"
        legend="Groups"
        groups={groups}
        selected={groupIds}
        onChange={setGroupIds}
        error={errors.groups}
        emptyNote="Groups decide which pools the person may use."
      />
      <Button type="submit" variant="primary" busy={busy} class="btn--block">
        Create user
      </Button>
    </form>
  );
}
