// "Two-step verification" on the Account page: set up TOTP (password, then QR code or the secret
// typed by hand, then a code to confirm), show the recovery codes once (copy / download), and turn
// it off again with the password or a code.
import { useState } from 'preact/hooks';
import { confirmTotp, disableTotp, fetchMfa, startTotpSetup, type TotpSetup } from '../../api/account.ts';
import { errorMessage, isApiError } from '../../api/client.ts';
import { useLoad } from '../../modules/useLoad.ts';
import { Alert } from '../Alert.tsx';
import { Badge } from '../Badge.tsx';
import { Button } from '../Button.tsx';
import { CopyButton } from '../CopyButton.tsx';
import { TextField } from '../TextField.tsx';
import { RecoveryCodes } from './RecoveryCodes.tsx';

type Step =
  { name: 'idle' } | { name: 'password' } | { name: 'scan'; setup: TotpSetup } | { name: 'codes'; codes: string[] } | { name: 'disable' };

/** "ABCD EFGH ..." is easier to type from a screen than 32 letters in a row. */
const grouped = (secret: string) => secret.replace(/(.{4})/g, '$1 ').trim();

export function TwoStepSection({ username, localAccount, onChanged }: { username: string; localAccount: boolean; onChanged(): void }) {
  const { data: status, error: loadError, reload } = useLoad(fetchMfa);
  const [step, setStep] = useState<Step>({ name: 'idle' });
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [actionError, setActionError] = useState<string>();
  const error = actionError ?? loadError;
  const [busy, setBusy] = useState(false);

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setActionError(undefined);
    try {
      await action();
    } catch (e) {
      setActionError(isApiError(e) && e.code === 'invalid_credentials' ? 'That password (or code) is not right.' : errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const begin = () =>
    run(async () => {
      const setup = await startTotpSetup(localAccount ? password : undefined);
      setPassword('');
      setCode('');
      setStep({ name: 'scan', setup });
    });
  const confirm = () =>
    run(async () => {
      const codes = await confirmTotp(code.trim());
      setStep({ name: 'codes', codes });
      await reload();
    });
  const disable = () =>
    run(async () => {
      await disableTotp(/^\d{6}$/.test(password.trim()) || !localAccount ? { code: password.trim() } : { password });
      setPassword('');
      setStep({ name: 'idle' });
      await reload();
      onChanged();
    });

  const cancel = () => {
    setStep({ name: 'idle' });
    setPassword('');
    setCode('');
    setActionError(undefined);
  };

  return (
    <section class="card stack" aria-labelledby="two-step-title" data-testid="two-step">
      <div class="section-row">
        <div>
          <h2 id="two-step-title" class="card__title">
            Two-step verification
          </h2>
          <p class="muted small">A code from an authenticator app on your phone, asked after your password.</p>
        </div>
        {status && (
          <Badge tone={status.enabled ? 'green' : status.requiredByPolicy ? 'amber' : 'neutral'} dot>
            {status.enabled ? 'On' : status.requiredByPolicy ? 'Required' : 'Off'}
          </Badge>
        )}
      </div>
      {error && <Alert>{error}</Alert>}
      {status?.enrollmentRequired && step.name !== 'codes' && (
        <Alert tone="info" title="Your administrator requires two-step verification">
          Set it up now to use your desktops. It takes about a minute.
        </Alert>
      )}

      {step.name === 'idle' && status && !status.enabled && (
        <div class="button-row">
          <Button
            variant="primary"
            onClick={() => (localAccount ? setStep({ name: 'password' }) : void begin())}
            busy={busy}
            data-testid="two-step-start"
          >
            Set up two-step verification
          </Button>
        </div>
      )}
      {step.name === 'idle' && status?.enabled && (
        <>
          <p data-testid="two-step-on">
            Sign-ins ask for a code from your authenticator app. Recovery codes left: <strong>{status.recoveryCodesLeft}</strong>
            {status.recoveryCodesLeft <= 3 && ' (running low: turn two-step verification off and on again for new ones).'}
          </p>
          <div class="button-row">
            <Button variant="subtle-danger" onClick={() => setStep({ name: 'disable' })}>
              Turn off…
            </Button>
          </div>
        </>
      )}

      {step.name === 'password' && (
        <form class="stack" onSubmit={(ev) => (ev.preventDefault(), void begin())}>
          <input type="text" name="username" autocomplete="username" value={username} readOnly hidden />
          <TextField
            id="two-step-password"
            name="password"
            type="password"
            label="Confirm your password"
            value={password}
            onValue={setPassword}
            autocomplete="current-password"
            required
            autofocus
          />
          <div class="button-row">
            <Button type="submit" variant="primary" busy={busy} disabled={!password}>
              Continue
            </Button>
            <Button onClick={cancel}>Cancel</Button>
          </div>
        </form>
      )}

      {step.name === 'scan' && (
        <form class="stack" onSubmit={(ev) => (ev.preventDefault(), void confirm())} data-testid="two-step-scan">
          <ol class="steps-list">
            <li>Scan this QR code with your authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, FreeOTP…).</li>
            <li>Enter the 6-digit code the app shows.</li>
          </ol>
          <div class="totp-setup">
            <img class="totp-setup__qr" src={step.setup.qrDataUrl} width={200} height={200} alt="QR code for your authenticator app" />
            <div class="stack">
              <span class="field__label">Can't scan? Type this key instead</span>
              <code class="totp-setup__secret" data-testid="two-step-secret" data-secret={step.setup.secret}>
                {grouped(step.setup.secret)}
              </code>
              <div>
                <CopyButton text={step.setup.secret} label="Copy the key" />
              </div>
              <span class="field__hint">Time-based, 6 digits, every 30 seconds.</span>
            </div>
          </div>
          <TextField
            id="two-step-code"
            name="code"
            label="Code from the app"
            value={code}
            onValue={setCode}
            inputMode="numeric"
            autocomplete="one-time-code"
            maxLength={7}
            required
          />
          <div class="button-row">
            <Button type="submit" variant="primary" busy={busy} disabled={code.trim().length < 6} data-testid="two-step-confirm">
              Turn on
            </Button>
            <Button onClick={cancel}>Cancel</Button>
          </div>
        </form>
      )}

      {step.name === 'codes' && (
        <RecoveryCodes
          codes={step.codes}
          username={username}
          onDone={() => {
            setStep({ name: 'idle' });
            onChanged();
          }}
        />
      )}

      {step.name === 'disable' && (
        <form class="stack" onSubmit={(ev) => (ev.preventDefault(), void disable())}>
          <p class="small">
            {status?.requiredByPolicy
              ? 'Your administrator requires two-step verification: after turning it off you must set it up again before using your desktops.'
              : 'Sign-ins will ask only for your password.'}
          </p>
          <TextField
            id="two-step-disable"
            name="proof"
            type="password"
            label={localAccount ? 'Your password, or a current code' : 'A current code'}
            value={password}
            onValue={setPassword}
            autocomplete={localAccount ? 'current-password' : 'one-time-code'}
            required
            autofocus
          />
          <div class="button-row">
            <Button type="submit" variant="danger" busy={busy} disabled={!password}>
              Turn off two-step verification
            </Button>
            <Button onClick={cancel}>Cancel</Button>
          </div>
        </form>
      )}
    </section>
  );
}
