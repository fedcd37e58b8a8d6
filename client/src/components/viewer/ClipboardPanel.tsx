// Clipboard exchange with the remote desktop. Text the desktop copies lands here (and, when the
// browser allows, on this computer's clipboard); text typed or pasted here goes over on "Send".
import { useEffect, useState } from 'preact/hooks';
import { Button } from '../Button.tsx';

interface Props {
  text: string;
  receivedAt: number | undefined;
  connected: boolean;
  onText(text: string): void;
  onSend(text: string): void;
  onClose(): void;
}

export function ClipboardPanel({ text, receivedAt, connected, onText, onSend, onClose }: Props) {
  const [note, setNote] = useState<string>();
  // New text from the desktop replaces whatever the last action reported.
  useEffect(() => setNote(undefined), [receivedAt]);

  const send = (): void => {
    onSend(text);
    setNote('Sent. Paste it on the desktop: middle-click or Shift+Insert in a terminal, Ctrl+V in most other apps.');
  };

  const copyLocal = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(text);
      setNote('Copied to this computer’s clipboard.');
    } catch {
      setNote('The browser did not allow copying; select the text and press Ctrl+C.');
    }
  };

  return (
    <section class="clipboard-panel" aria-labelledby="clipboard-title" data-testid="clipboard-panel">
      <div class="clipboard-panel__head">
        <h2 id="clipboard-title">Clipboard</h2>
        <button type="button" class="icon-btn" aria-label="Close clipboard" onClick={onClose}>
          ✕
        </button>
      </div>
      <label class="field__label" for="viewer-clipboard">
        Clipboard text
      </label>
      <textarea
        id="viewer-clipboard"
        name="clipboard"
        class="input clipboard-panel__text"
        rows={6}
        value={text}
        onInput={(ev) => onText(ev.currentTarget.value)}
        placeholder="Copy something on the desktop, or paste text here to send it."
      />
      <p class="clipboard-panel__note" aria-live="polite">
        {note ??
          (receivedAt
            ? `Received from the desktop at ${new Date(receivedAt).toLocaleTimeString()}.`
            : 'Nothing received from the desktop yet.')}
      </p>
      <div class="clipboard-panel__actions">
        <Button size="sm" variant="on-dark" onClick={() => void copyLocal()} disabled={!text}>
          Copy here
        </Button>
        <Button size="sm" variant="primary" onClick={send} disabled={!connected || !text} data-testid="clipboard-send">
          Send to desktop
        </Button>
      </div>
    </section>
  );
}
