// The owner's consent prompt: someone from the helpdesk asks to see (or see and control) this
// desktop. Modal over the viewer; Deny has the focus, so a stray Enter never lets anyone in.
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage } from '../../api/client.ts';
import type { Shadow } from '../../api/shadows.ts';
import { promptText } from '../../modules/viewer/shadowConsent.ts';
import { Alert } from '../Alert.tsx';
import { Button } from '../Button.tsx';

interface Props {
  shadow: Shadow;
  /** `sound`: the person also shares the desktop's sound (off unless ticked). */
  onAnswer(shadow: Shadow, answer: 'approve' | 'deny', sound: boolean): Promise<void>;
}

export function ShadowPrompt({ shadow, onAnswer }: Props) {
  const [busy, setBusy] = useState<'approve' | 'deny'>();
  const [error, setError] = useState<string>();
  const [sound, setSound] = useState(false);
  const denyRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    setBusy(undefined);
    setError(undefined);
    setSound(false);
    denyRef.current?.focus();
  }, [shadow.id]);

  const answer = async (verdict: 'approve' | 'deny'): Promise<void> => {
    setBusy(verdict);
    setError(undefined);
    try {
      await onAnswer(shadow, verdict, sound);
    } catch (e) {
      setError(errorMessage(e));
      setBusy(undefined);
    }
  };

  return (
    <div class="modal-backdrop shadow-prompt-backdrop">
      <div
        class="modal shadow-prompt"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="shadow-prompt-title"
        aria-describedby="shadow-prompt-body"
        data-testid="shadow-prompt"
        data-shadow-id={shadow.id}
        data-mode={shadow.mode}
      >
        <h2 id="shadow-prompt-title" class="modal__title">
          {promptText(shadow)}
        </h2>
        <div id="shadow-prompt-body" class="modal__body">
          {shadow.reason && <blockquote class="shadow-prompt__reason">“{shadow.reason}”</blockquote>}
          <p>
            {shadow.mode === 'control'
              ? 'If you allow it, they see your screen and can use your mouse and keyboard.'
              : 'If you allow it, they see your screen but cannot type or click.'}{' '}
            You can stop sharing at any time.
          </p>
          <label class="shadow-prompt__sound">
            <input
              type="checkbox"
              checked={sound}
              data-testid="shadow-share-sound"
              onChange={(e) => setSound((e.currentTarget as HTMLInputElement).checked)}
            />{' '}
            Also share sound (they hear what your desktop plays)
          </label>
        </div>
        {error && <Alert title="Your answer was not sent">{error}</Alert>}
        <div class="modal__actions">
          <button
            ref={denyRef}
            type="button"
            class="btn btn--secondary btn--md"
            disabled={busy !== undefined}
            onClick={() => void answer('deny')}
          >
            Deny
          </button>
          <Button variant="primary" busy={busy === 'approve'} disabled={busy === 'deny'} onClick={() => void answer('approve')}>
            Allow
          </Button>
        </div>
      </div>
    </div>
  );
}
