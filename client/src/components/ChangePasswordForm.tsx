// "Change password": current, new and repeated new password. Length and match are checked here
// before sending; the gateway's answers (wrong current password, throttling, field problems) appear
// where they belong. On success every other browser signed in as this person is signed out.
import { useEffect, useRef, useState } from 'preact/hooks';
import { changePassword } from '../api/auth.ts';
import { errorMessage, isApiError } from '../api/client.ts';
import { fieldProblems, unplacedProblems } from '../api/fieldErrors.ts';
import { MIN_PASSWORD_LENGTH, passwordProblems, type PasswordDraft, type PasswordField } from '../modules/passwordChange.ts';
import { useNow } from '../modules/useNow.ts';
import { Alert } from './Alert.tsx';
import { Button } from './Button.tsx';
import { FailureAlert, type FormFailure } from './FailureAlert.tsx';
import { TextField } from './TextField.tsx';

const EMPTY: PasswordDraft = { current: '', next: '', repeat: '' };
/** The API's field names → this form's. */
const API_FIELDS: Record<string, PasswordField> = { currentPassword: 'current', newPassword: 'next' };
const WRONG_CURRENT = 'Your current password is not right.';

export function ChangePasswordForm({ username, minLength = MIN_PASSWORD_LENGTH }: { username: string; minLength?: number }) {
  const [draft, setDraft] = useState(EMPTY);
  const [left, setLeft] = useState<ReadonlySet<PasswordField>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Partial<Record<PasswordField, string>>>({});
  const [failure, setFailure] = useState<FormFailure>();
  const [changed, setChanged] = useState(false);
  const [busy, setBusy] = useState(false);
  const [retryUntil, setRetryUntil] = useState(0);
  const now = useNow(250, retryUntil > 0);
  const waitS = Math.max(0, Math.ceil((retryUntil - now) / 1000));
  const throttled = waitS > 0;
  const formRef = useRef<HTMLFormElement>(null);
  const [focusTick, setFocusTick] = useState(0);

  const errors = { ...passwordProblems(draft, { submitted, left }, minLength), ...serverErrors };

  // After a refused submit, take the person to the first field that needs a fix.
  useEffect(() => {
    if (focusTick > 0) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusTick]);

  const edit = (field: PasswordField) => (value: string) => {
    setDraft((d) => ({ ...d, [field]: value }));
    setServerErrors(({ [field]: _gone, ...rest }) => rest);
  };
  const leave = (field: PasswordField) => () => setLeft((s) => (s.has(field) ? s : new Set([...s, field])));

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    if (busy || throttled) return;
    setSubmitted(true);
    setChanged(false);
    setFailure(undefined);
    if (Object.keys(passwordProblems(draft, { submitted: true, left }, minLength)).length > 0 || Object.keys(serverErrors).length > 0) {
      setFocusTick((n) => n + 1);
      return;
    }
    setBusy(true);
    try {
      await changePassword(draft.current, draft.next);
      setDraft(EMPTY);
      setLeft(new Set());
      setSubmitted(false);
      setServerErrors({});
      setChanged(true);
    } catch (e) {
      if (isApiError(e) && e.status === 403 && e.code === 'invalid_credentials') {
        setServerErrors({ current: WRONG_CURRENT });
      } else if (isApiError(e) && e.status === 429) {
        setRetryUntil(Date.now() + (e.retryAfterS ?? 30) * 1000);
      } else {
        const problems = fieldProblems(e);
        const placed: Partial<Record<PasswordField, string>> = {};
        for (const [field, text] of Object.entries(problems.byField)) {
          const mine = API_FIELDS[field];
          if (mine) placed[mine] = text;
        }
        setServerErrors(placed);
        const lines = unplacedProblems(problems, Object.keys(API_FIELDS));
        if (Object.keys(placed).length === 0 || lines.length > 0) setFailure({ message: errorMessage(e), lines });
      }
      setFocusTick((n) => n + 1);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      ref={formRef}
      class="card stack"
      onSubmit={(ev) => void submit(ev)}
      aria-labelledby="change-password-title"
      data-testid="change-password-form"
      noValidate
    >
      <div>
        <h2 id="change-password-title" class="card__title">
          Change password
        </h2>
        <p class="muted small">Other browsers signed in as you are signed out when you change it; this one stays signed in.</p>
      </div>
      {throttled && (
        <div data-testid="change-password-throttled">
          <Alert>
            <strong>
              Too many attempts, try again in <span class="nowrap">{waitS} s</span>
            </strong>
            <br />
            Wait for the countdown, then try again.
          </Alert>
        </div>
      )}
      {!throttled && failure && <FailureAlert title="Your password was not changed" failure={failure} />}
      {changed && (
        <div data-testid="password-changed">
          <Alert tone="success">Password changed. Other browsers signed in as you were signed out.</Alert>
        </div>
      )}
      {/* For password managers: which account this new password belongs to. */}
      <input type="text" name="username" autocomplete="username" value={username} readOnly hidden />
      <TextField
        id="account-current-password"
        name="currentPassword"
        type="password"
        label="Current password"
        value={draft.current}
        onValue={edit('current')}
        onBlur={leave('current')}
        error={errors.current}
        autocomplete="current-password"
        required
      />
      <TextField
        id="account-new-password"
        name="newPassword"
        type="password"
        label="New password"
        value={draft.next}
        onValue={edit('next')}
        onBlur={leave('next')}
        error={errors.next}
        hint={errors.next ? undefined : `At least ${minLength} characters; not your username or a common password.`}
        autocomplete="new-password"
        required
      />
      <TextField
        id="account-repeat-password"
        name="repeatPassword"
        type="password"
        label="Repeat new password"
        value={draft.repeat}
        onValue={edit('repeat')}
        onBlur={leave('repeat')}
        error={errors.repeat}
        autocomplete="new-password"
        required
      />
      <Button type="submit" variant="primary" busy={busy} disabled={throttled} class="btn--block">
        {busy ? 'Changing password…' : 'Change password'}
      </Button>
    </form>
  );
}
