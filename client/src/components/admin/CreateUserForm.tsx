// The admin's "new user" form: username, display name, password and roles.
import { useState } from 'preact/hooks';
import { createUser, type AdminUser } from '../../api/admin.ts';
import { errorMessage, isApiError } from '../../api/client.ts';
import { ROLES, type Role } from '../../api/types.ts';
import { Alert } from '../Alert.tsx';
import { Button } from '../Button.tsx';
import { TextField } from '../TextField.tsx';

const ROLE_HELP: Record<Role, string> = {
  user: 'Launches desktops',
  helpdesk: 'Can shadow sessions',
  admin: 'Full administration',
};

/** Field-level problems from a 400's `details`, when the gateway lists them. */
function detailLines(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  return details.flatMap((d: unknown) => {
    if (typeof d === 'string') return [d];
    if (typeof d !== 'object' || d === null) return [];
    const { field, path, message } = d as { field?: unknown; path?: unknown; message?: unknown };
    const where = typeof field === 'string' ? field : Array.isArray(path) ? path.join('.') : '';
    return typeof message === 'string' ? [where ? `${where}: ${message}` : message] : [];
  });
}

export function CreateUserForm({ onCreated }: { onCreated(user: AdminUser): void }) {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [roles, setRoles] = useState<Role[]>(['user']);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; lines: string[] }>();
  const [created, setCreated] = useState<string>();

  const toggleRole = (role: Role, on: boolean): void => setRoles((rs) => (on ? [...rs, role] : rs.filter((r) => r !== role)));

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    if (!username.trim() || !password) {
      setError({ message: 'Enter a username and a password.', lines: [] });
      return;
    }
    setBusy(true);
    setError(undefined);
    setCreated(undefined);
    try {
      const user = await createUser({ username: username.trim(), displayName: displayName.trim(), password, roles });
      setCreated(user.username);
      setUsername('');
      setDisplayName('');
      setPassword('');
      setRoles(['user']);
      onCreated(user);
    } catch (e) {
      setError({ message: errorMessage(e), lines: isApiError(e) ? detailLines(e.details) : [] });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card stack" onSubmit={(ev) => void submit(ev)} aria-labelledby="new-user-title" data-testid="create-user-form" noValidate>
      <h2 id="new-user-title" class="card__title">New user</h2>
      {error && (
        <Alert>
          {error.message}
          {error.lines.length > 0 && (
            <ul class="alert__list">
              {error.lines.map((l) => (
                <li key={l}>{l}</li>
              ))}
            </ul>
          )}
        </Alert>
      )}
      {created && <Alert tone="success">Created {created}. They can sign in now.</Alert>}
      <TextField id="new-user-username" name="username" label="Username" value={username} onValue={setUsername} autocomplete="off" autoCapitalize="none" spellcheck={false} required />
      <TextField id="new-user-display-name" name="displayName" label="Display name" value={displayName} onValue={setDisplayName} autocomplete="off" placeholder="e.g. Ada Lovelace" />
      <TextField id="new-user-password" name="password" type="password" label="Password" value={password} onValue={setPassword} autocomplete="new-password" required hint="Share it with the person over a safe channel." />
      <fieldset class="fieldset">
        <legend class="field__label">Roles</legend>
        {ROLES.map((role) => (
          <label key={role} class="check">
            <input type="checkbox" name="roles" value={role} checked={roles.includes(role)} onChange={(ev) => toggleRole(role, ev.currentTarget.checked)} />
            <span>
              <span class="check__label">{role[0]?.toUpperCase() + role.slice(1)}</span>
              <span class="check__help">{ROLE_HELP[role]}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <Button type="submit" variant="primary" busy={busy} class="btn--block">
        Create user
      </Button>
    </form>
  );
}
