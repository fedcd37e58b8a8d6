// Asks why before requesting to shadow a desktop: the reason (required) is what the person sees in
// the consent prompt, and goes to the audit log.
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage } from '../../api/client.ts';
import type { ShadowMode } from '../../api/shadows.ts';
import { Alert } from '../Alert.tsx';
import { Button } from '../Button.tsx';

interface Props {
  /** Whose desktop, e.g. "Ada Lovelace". */
  owner: string;
  mode: ShadowMode;
  initialReason?: string;
  onSubmit(reason: string): Promise<void>;
  onClose(): void;
  /** Says the pool lets helpdesk view without asking. */
  withoutConsent?: boolean;
}

const MIN_REASON = 3;

export function ShadowRequestDialog({ owner, mode, initialReason = '', onSubmit, onClose, withoutConsent = false }: Props) {
  const [reason, setReason] = useState(initialReason);
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const fieldRef = useRef<HTMLTextAreaElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    fieldRef.current?.focus();
    const onKey = (ev: KeyboardEvent): void => {
      if (ev.key === 'Escape') closeRef.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const trimmed = reason.trim();
  const invalid = trimmed.length < MIN_REASON;
  const fieldError =
    touched && invalid
      ? trimmed
        ? `Say a little more (at least ${MIN_REASON} characters).`
        : 'Say why; they see this before they answer.'
      : undefined;

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    setTouched(true);
    if (invalid) {
      fieldRef.current?.focus();
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit(trimmed);
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };

  const verb = mode === 'control' ? 'see and control' : 'see';
  return (
    <div class="modal-backdrop" onClick={(ev) => ev.target === ev.currentTarget && !busy && onClose()}>
      <div
        class="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shadow-request-title"
        data-testid="shadow-request-dialog"
        data-mode={mode}
      >
        <form class="modal__form" onSubmit={(ev) => void submit(ev)} noValidate>
          <h2 id="shadow-request-title" class="modal__title">
            Ask to {verb} {owner}’s desktop
          </h2>
          <div class="modal__body">
            <p class="muted small">
              {withoutConsent && mode === 'view'
                ? 'This pool lets the helpdesk view without asking; they still see a banner while you watch.'
                : `${owner} sees your name and this reason, and chooses Allow or Deny.`}
            </p>
            <div class="field">
              <label class="field__label" for="shadow-reason">
                Reason
              </label>
              <textarea
                ref={fieldRef}
                id="shadow-reason"
                name="reason"
                class="input"
                rows={3}
                maxLength={500}
                required
                value={reason}
                onInput={(ev) => setReason(ev.currentTarget.value)}
                onBlur={() => setTouched(true)}
                placeholder="e.g. Ticket #4821: Outlook will not start"
                aria-invalid={fieldError ? true : undefined}
                aria-describedby={fieldError ? 'shadow-reason-error' : undefined}
              />
              {fieldError && (
                <span id="shadow-reason-error" class="field__error" data-testid="shadow-reason-error">
                  {fieldError}
                </span>
              )}
            </div>
          </div>
          {error && <Alert title="The request was not sent">{error}</Alert>}
          <div class="modal__actions">
            <button type="button" class="btn btn--secondary btn--md" onClick={onClose} disabled={busy}>
              Cancel
            </button>
            <Button type="submit" variant="primary" busy={busy}>
              {mode === 'control' ? 'Ask for control' : 'Ask to view'}
            </Button>
          </div>
        </form>
      </div>
    </div>
  );
}
