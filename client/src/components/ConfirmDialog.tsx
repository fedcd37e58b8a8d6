// A modal confirmation for destructive actions. Focus starts on Cancel; Escape cancels. While the
// action runs the confirm button shows progress, and a failure is shown inside the dialog.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage } from '../api/client.ts';
import { Alert } from './Alert.tsx';
import { Button } from './Button.tsx';

interface Props {
  title: string;
  children?: ComponentChildren;
  confirmLabel: string;
  /** Heads the error shown when the action fails, e.g. "The pool was not deleted". */
  failureTitle?: string;
  onConfirm(): Promise<void>;
  onClose(): void;
}

export function ConfirmDialog({ title, children, confirmLabel, failureTitle = 'That did not work', onConfirm, onClose }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const cancelRef = useRef<HTMLButtonElement>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    cancelRef.current?.focus();
    const onKey = (ev: KeyboardEvent): void => {
      if (ev.key === 'Escape') closeRef.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const confirm = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };

  return (
    <div class="modal-backdrop" onClick={(ev) => ev.target === ev.currentTarget && !busy && onClose()}>
      <div class="modal" role="dialog" aria-modal="true" aria-labelledby="confirm-title" data-testid="confirm-dialog">
        <h2 id="confirm-title" class="modal__title">
          {title}
        </h2>
        <div class="modal__body">{children}</div>
        {error && (
          <div data-testid="confirm-error">
            <Alert title={failureTitle}>{error}</Alert>
          </div>
        )}
        <div class="modal__actions">
          <button ref={cancelRef} type="button" class="btn btn--secondary btn--md" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <Button variant="danger" busy={busy} onClick={() => void confirm()} data-testid="confirm-ok">
            {confirmLabel}
          </Button>
        </div>
      </div>
    </div>
  );
}
