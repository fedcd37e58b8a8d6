// The admin's MFA policy: which roles and groups must use two-step verification, and for how many
// days a browser may skip the code after a successful one (0 = never).
import { useEffect, useState } from 'preact/hooks';
import type { Group } from '../../api/adminGroups.ts';
import { fetchMfaPolicy, saveMfaPolicy, type MfaPolicy } from '../../api/adminMfa.ts';
import { errorMessage } from '../../api/client.ts';
import { ROLES, type Role } from '../../api/types.ts';
import { Alert } from '../Alert.tsx';
import { Button } from '../Button.tsx';
import { GroupPicker } from '../GroupPicker.tsx';

const ROLE_LABEL: Record<string, string> = { user: 'Everyone', helpdesk: 'Helpdesk + admins', admin: 'Admins' };

export function MfaPolicyCard({ groups, onSaved }: { groups: Group[] | undefined; onSaved(): void }) {
  const [policy, setPolicy] = useState<MfaPolicy>();
  const [days, setDays] = useState('0');
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const ac = new AbortController();
    fetchMfaPolicy(ac.signal).then(
      (p) => {
        setPolicy(p);
        setDays(String(p.rememberDays));
      },
      (e: unknown) => !ac.signal.aborted && setError(errorMessage(e)),
    );
    return () => ac.abort();
  }, []);

  const toggleRole = (role: Role, on: boolean) => {
    setSaved(false);
    setPolicy((p) => p && { ...p, requiredRoles: on ? [...p.requiredRoles, role] : p.requiredRoles.filter((r) => r !== role) });
  };

  const save = async (ev: Event) => {
    ev.preventDefault();
    if (!policy) return;
    const rememberDays = Number(days);
    if (!Number.isInteger(rememberDays) || rememberDays < 0 || rememberDays > 365) return setError('Remember browsers for 0 to 365 days.');
    setBusy(true);
    setError(undefined);
    try {
      const p = await saveMfaPolicy({ ...policy, rememberDays });
      setPolicy(p);
      setSaved(true);
      onSaved();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card stack" aria-labelledby="mfa-policy-title" onSubmit={(ev) => void save(ev)} data-testid="mfa-policy">
      <div>
        <h2 id="mfa-policy-title" class="card__title">
          Two-step verification policy
        </h2>
        <p class="muted small">
          Who must use an authenticator app. Until they set it up, they can sign in but reach only their Account page.
        </p>
      </div>
      {error && <Alert>{error}</Alert>}
      {saved && <Alert tone="success">Policy saved.</Alert>}
      {!policy && !error && <span class="muted small">Loading…</span>}
      {policy && (
        <>
          <fieldset class="fieldset">
            <legend class="field__label">Required for roles</legend>
            <div class="check-grid">
              {ROLES.map((r) => (
                <label key={r} class={policy.requiredRoles.includes(r) ? 'check check--compact is-checked' : 'check check--compact'}>
                  <input
                    type="checkbox"
                    name="requiredRoles"
                    value={r}
                    checked={policy.requiredRoles.includes(r)}
                    onChange={(ev) => toggleRole(r, ev.currentTarget.checked)}
                  />
                  <span class="check__label">{ROLE_LABEL[r] ?? r}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <GroupPicker
            id="mfa-policy-groups"
            legend="Required for groups"
            groups={groups}
            selected={policy.requiredGroups}
            onChange={(requiredGroups) => {
              setSaved(false);
              setPolicy({ ...policy, requiredGroups });
            }}
            emptyNote="No group selected."
          />
          <div class="field">
            <label class="field__label" for="mfa-remember-days">
              Remember a browser for (days)
            </label>
            <input
              id="mfa-remember-days"
              class="input input--narrow"
              type="number"
              min={0}
              max={365}
              value={days}
              onInput={(ev) => (setSaved(false), setDays(ev.currentTarget.value))}
              aria-describedby="mfa-remember-days-hint"
            />
            <span id="mfa-remember-days-hint" class="field__hint">
              0: ask for the code at every sign-in. Forgotten on “sign out everywhere else” and on an MFA reset.
            </span>
          </div>
          <Button type="submit" variant="primary" busy={busy}>
            Save policy
          </Button>
        </>
      )}
    </form>
  );
}
