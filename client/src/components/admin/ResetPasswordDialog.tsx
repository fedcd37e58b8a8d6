// An admin sets a new password for someone (PATCH /admin/users/:id {password}); their other
// sign-ins end. New password twice; a mismatch or a gateway 400 shows under the field.
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage } from '../../api/client.ts';
import type { AdminUser } from '../../api/adminUsers.ts';
import { fieldProblems } from '../../api/fieldErrors.ts';
import { Alert } from '../Alert.tsx';
import { Button } from '../Button.tsx';
import { TextField } from '../TextField.tsx';

interface Props {
  user: AdminUser;
  onSubmit(password: string): Promise<void>;
  onClose(): void;
}

export function ResetPasswordDialog({ user, onSubmit, onClose }: Props) {
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [errors, setErrors] = useState<{ password?: string; repeat?: string }>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    document.getElementById('reset-password')?.focus();
    const onKey = (ev: KeyboardEvent): void => {
      if (ev.key === 'Escape') closeRef.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    const next: typeof errors = {};
    if (!password) next.password = 'Enter the new password.';
    if (password && repeat !== password) next.repeat = 'The two passwords are not the same.';
    setErrors(next);
    if (next.password || next.repeat) return;
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit(password);
      onClose();
    } catch (e) {
      const problem = fieldProblems(e).byField.password;
      if (problem) setErrors({ password: `The new password ${problem}.` });
      else setError(errorMessage(e));
      setBusy(false);
    }
  };

  return (
    <div class="modal-backdrop" onClick={(ev) => ev.target === ev.currentTarget && !busy && onClose()}>
      <div class="modal" role="dialog" aria-modal="true" aria-labelledby="reset-password-title" data-testid="reset-password-dialog">
        <form class="modal__form" onSubmit={(ev) => void submit(ev)} noValidate>
          <h2 id="reset-password-title" class="modal__title">
            Reset {user.displayName}’s password
          </h2>
          <p class="modal__body">
            They are signed out everywhere else; tell them the new password another way. They can change it on their Account page.
          </p>
          <TextField
            id="reset-password"
            name="password"
            type="password"
            label="New password"
            value={password}
            onValue={setPassword}
            error={errors.password}
            autocomplete="new-password"
          />
          <TextField
            id="reset-password-repeat"
            name="repeat"
            type="password"
            label="Repeat new password"
            value={repeat}
            onValue={setRepeat}
            error={errors.repeat}
            autocomplete="new-password"
          />
          {error && <Alert title="The password was not changed">{error}</Alert>}
          <div class="modal__actions">
            <button type="button" class="btn btn--secondary btn--md" onClick={onClose} disabled={busy}>
              Cancel
            </button>
            <Button type="submit" variant="primary" busy={busy}>
              Reset password
            </Button>
          </div>
        </form>
      </div>
    </div>
  );
}
