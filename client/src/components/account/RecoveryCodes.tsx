// The ten recovery codes, shown exactly once after two-step verification is turned on, with copy
// and download (a text file made in the browser; nothing is fetched again).
import { useEffect, useState } from 'preact/hooks';
import { Alert } from '../Alert.tsx';
import { Button } from '../Button.tsx';
import { CopyButton } from '../CopyButton.tsx';

export function RecoveryCodes({ codes, username, onDone }: { codes: string[]; username: string; onDone(): void }) {
  const text = `Deskport recovery codes for ${username}\nEach code works once, instead of a code from your app.\n\n${codes.join('\n')}\n`;
  const [href, setHref] = useState<string>();
  useEffect(() => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    setHref(url);
    return () => URL.revokeObjectURL(url);
  }, [text]);

  return (
    <div class="stack" data-testid="recovery-codes">
      <Alert tone="success" title="Two-step verification is on">
        Save these recovery codes somewhere safe. If you lose your phone, each one lets you sign in once. They are shown only now.
      </Alert>
      <ul class="recovery-codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <div class="button-row">
        <CopyButton text={codes.join('\n')} label="Copy the recovery codes" />
        {href && (
          <a class="btn btn--secondary btn--sm" href={href} download="deskport-recovery-codes.txt">
            Download
          </a>
        )}
        <Button variant="primary" size="sm" onClick={onDone} data-testid="recovery-codes-done">
          I have saved them
        </Button>
      </div>
    </div>
  );
}
