// The persistent notice at the top of the owner's viewer while anyone from the helpdesk can see (or
// control) the desktop, with "Stop sharing".
import { useState } from 'preact/hooks';
import { errorMessage } from '../../api/client.ts';
import type { Shadow } from '../../api/shadows.ts';
import { bannerText } from '../../modules/viewer/shadowConsent.ts';
import { Button } from '../Button.tsx';

function Row({ shadow, onStop }: { shadow: Shadow; onStop(shadow: Shadow): Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const stop = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await onStop(shadow);
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };
  return (
    <div class={`shadow-banner__row shadow-banner__row--${shadow.mode}`} data-shadow-id={shadow.id} data-mode={shadow.mode}>
      <svg class="shadow-banner__icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
        <path d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z" fill="none" stroke="currentColor" stroke-width="1.8" />
        <circle cx="12" cy="12" r="3" fill="none" stroke="currentColor" stroke-width="1.8" />
      </svg>
      <span class="shadow-banner__text">
        <strong>{bannerText(shadow)}</strong>
        {shadow.consent === 'pool' && <span class="shadow-banner__sub"> · allowed by your organisation’s policy for this desktop</span>}
        {shadow.reason && <span class="shadow-banner__sub"> · “{shadow.reason}”</span>}
      </span>
      {error && (
        <span class="shadow-banner__error" role="alert">
          {error}
        </span>
      )}
      <Button size="sm" variant="danger" busy={busy} onClick={() => void stop()} title={`Stop sharing with ${shadow.requesterDisplayName}`}>
        Stop sharing
      </Button>
    </div>
  );
}

export function ShadowBanner({ shadows, onStop }: { shadows: Shadow[]; onStop(shadow: Shadow): Promise<void> }) {
  if (shadows.length === 0) return null;
  return (
    <div class="shadow-banner" role="status" aria-live="polite" data-testid="shadow-banner">
      {shadows.map((s) => (
        <Row key={s.id} shadow={s} onStop={onStop} />
      ))}
    </div>
  );
}
