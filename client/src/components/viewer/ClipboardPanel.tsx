// Clipboard exchange with the remote desktop. Text the desktop copies lands here (and, when the
// browser allows, on this computer's clipboard); text typed or pasted here goes over on "Send".
// The session's clipboard policy is shown, not enforced, here: the gateway drops what it refuses.
import { useEffect, useState } from 'preact/hooks';
import { POLICY_LIMITS, type ClipboardMode } from '../../../../contract/api/policy.ts';
import { Button } from '../Button.tsx';

interface Props {
  text: string;
  receivedAt: number | undefined;
  connected: boolean;
  /** The session's clipboard policy; 'both' when not known. */
  mode?: ClipboardMode;
  /** Texts larger than this (KiB, UTF-8) are dropped by the gateway, either way. */
  maxKb?: number;
  onText(text: string): void;
  onSend(text: string): void;
  onClose(): void;
}

/** What the policy turns off, in the person's words (null when both ways are open). */
export function clipboardPolicyNote(mode: ClipboardMode): string | null {
  switch (mode) {
    case 'to_desktop':
      return 'Copying from the desktop is turned off for this desktop: text goes to it, nothing comes back.';
    case 'from_desktop':
      return 'Copying to the desktop is turned off for this desktop: you can take text from it, not send any.';
    case 'none':
      return 'The clipboard is turned off for this desktop, both ways.';
    default:
      return null;
  }
}

export function ClipboardPanel({ text, receivedAt, connected, mode = 'both', maxKb, onText, onSend, onClose }: Props) {
  const [note, setNote] = useState<string>();
  const canSend = mode === 'both' || mode === 'to_desktop';
  const canReceive = mode === 'both' || mode === 'from_desktop';
  // The policy's cap, else the gateway's hard cap (a paste past it is refused there too, counted as blocked).
  const limitKb = maxKb ?? POLICY_LIMITS.clipboardMaxKb.max;
  const tooLarge = new TextEncoder().encode(text).length > limitKb * 1024;
  const policyNote = clipboardPolicyNote(mode);
  // New text from the desktop replaces whatever the last action reported.
  useEffect(() => setNote(undefined), [receivedAt]);

  const send = (): void => {
    if (!canSend || tooLarge) return;
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
      {policyNote && (
        <p class="clipboard-panel__policy" role="note" data-testid="clipboard-policy">
          {policyNote}
        </p>
      )}
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
        {tooLarge && canSend
          ? `This text is larger than this desktop accepts (${limitKb} KB); it would be refused, not cut. Send a shorter text.`
          : (note ??
            (receivedAt
              ? `Received from the desktop at ${new Date(receivedAt).toLocaleTimeString()}.`
              : canReceive
                ? 'Nothing received from the desktop yet.'
                : 'Text copied on the desktop does not come here.'))}
      </p>
      <div class="clipboard-panel__actions">
        <Button size="sm" variant="on-dark" onClick={() => void copyLocal()} disabled={!text}>
          Copy here
        </Button>
        <Button
          size="sm"
          variant="primary"
          onClick={send}
          disabled={!connected || !text || !canSend || tooLarge}
          data-testid="clipboard-send"
        >
          Send to desktop
        </Button>
      </div>
    </section>
  );
}
