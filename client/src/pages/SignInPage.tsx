// Sign in with username and password; when the account has two-step verification, a second step
// asks for the authenticator code (or a recovery code) and offers to remember this browser.
import { useEffect, useRef, useState } from 'preact/hooks';
import { login } from '../api/auth.ts';
import { errorMessage, isApiError } from '../api/client.ts';
import type { Me } from '../api/types.ts';
import { Alert } from '../components/Alert.tsx';
import { Button } from '../components/Button.tsx';
import { Logo } from '../components/Logo.tsx';
import { TextField } from '../components/TextField.tsx';
import { useNow } from '../modules/useNow.ts';

export function SignInPage({ onSignedIn }: { onSignedIn(me: Me): void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [otp, setOtp] = useState('');
  const [needOtp, setNeedOtp] = useState(false);
  const [useRecovery, setUseRecovery] = useState(false);
  const [remember, setRemember] = useState(false);
  const [rememberDays, setRememberDays] = useState(0);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [retryUntil, setRetryUntil] = useState(0);
  const now = useNow(250, retryUntil > 0);
  const waitS = Math.max(0, Math.ceil((retryUntil - now) / 1000));
  const throttled = waitS > 0;
  const otpRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (needOtp) otpRef.current?.focus();
  }, [needOtp, useRecovery]);

  const backToPassword = (): void => {
    setNeedOtp(false);
    setUseRecovery(false);
    setOtp('');
    setPassword('');
    setError(undefined);
  };

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    if (busy || throttled) return;
    if (!username.trim() || !password) {
      setError('Enter your username and password.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      if (needOtp && !otp.trim()) {
        setBusy(false);
        setError(useRecovery ? 'Enter one of your recovery codes.' : 'Enter the 6-digit code from your authenticator app.');
        return;
      }
      onSignedIn(await login({ username: username.trim(), password, ...(needOtp ? { otp: otp.trim(), remember: remember && rememberDays > 0 } : {}) }));
    } catch (e) {
      setBusy(false);
      if (isApiError(e) && e.code === 'otp_required') {
        const days = (e.details as { rememberDays?: unknown } | undefined)?.rememberDays;
        setRememberDays(typeof days === 'number' ? days : 0);
        setNeedOtp(true);
      } else if (isApiError(e) && e.code === 'invalid_otp') {
        setOtp('');
        setError(e.message);
        otpRef.current?.focus();
      } else if (isApiError(e) && e.status === 429) {
        setRetryUntil(Date.now() + (e.retryAfterS ?? 30) * 1000);
      } else if (isApiError(e) && e.status === 401) {
        setError(needOtp && e.code !== 'invalid_credentials' ? e.message : 'Wrong username or password');
      } else {
        setError(errorMessage(e));
      }
    }
  };

  return (
    <main class="signin">
      <div class="signin__card">
        <div class="signin__brand">
          <Logo size={40} />
          <span class="brand__name brand__name--lg">Deskport</span>
        </div>
        <h1 class="signin__title">{needOtp ? 'Two-step verification' : 'Sign in'}</h1>
        {!needOtp && <p class="signin__lead">Reach your desktops from this browser tab.</p>}
        <form class="stack" onSubmit={(ev) => void submit(ev)} noValidate aria-label="Sign in" data-testid="signin-form">
          {throttled && (
            <Alert>
              <strong>
                Too many attempts, try again in <span class="nowrap">{waitS} s</span>
              </strong>
              <br />
              Wait for the countdown, then sign in again.
            </Alert>
          )}
          {!throttled && error && <Alert>{error}</Alert>}
          {!needOtp && (
            <>
              <TextField id="signin-username" name="username" label="Username" value={username} onValue={setUsername} autocomplete="username" autoCapitalize="none" spellcheck={false} required autofocus />
              <TextField id="signin-password" name="password" type="password" label="Password" value={password} onValue={setPassword} autocomplete="current-password" required />
            </>
          )}
          {needOtp && (
            <div class="stack" data-testid="signin-otp-step">
              <p class="signin__step">
                Signing in as <strong>{username.trim()}</strong>.{' '}
                {useRecovery ? 'Enter one of the recovery codes you saved when you set up two-step verification.' : 'Open your authenticator app and enter the code it shows for Deskport.'}
              </p>
              <div class="field">
                <label class="field__label" for="signin-otp">
                  {useRecovery ? 'Recovery code' : 'Verification code'}
                </label>
                <input
                  ref={otpRef}
                  key={useRecovery ? 'recovery' : 'totp'}
                  id="signin-otp"
                  name="otp"
                  class={useRecovery ? 'input' : 'input input--code'}
                  value={otp}
                  onInput={(ev) => setOtp(ev.currentTarget.value)}
                  inputMode={useRecovery ? 'text' : 'numeric'}
                  autocomplete={useRecovery ? 'off' : 'one-time-code'}
                  autoCapitalize="none"
                  spellcheck={false}
                  maxLength={32}
                  aria-describedby="signin-otp-hint"
                  required
                />
                <span id="signin-otp-hint" class="field__hint">
                  {useRecovery ? 'Like abcde-fghjk. Each code works once.' : '6 digits; a new one every 30 seconds.'}
                </span>
              </div>
              {rememberDays > 0 && (
                <label class={remember ? 'check is-checked' : 'check'}>
                  <input type="checkbox" name="remember" checked={remember} onChange={(ev) => setRemember(ev.currentTarget.checked)} data-testid="signin-remember" />
                  <span class="check__label">
                    Remember this browser for {rememberDays} {rememberDays === 1 ? 'day' : 'days'}
                  </span>
                </label>
              )}
              <div class="signin__links">
                <button
                  type="button"
                  class="link-button"
                  onClick={() => {
                    setUseRecovery((r) => !r);
                    setOtp('');
                    setError(undefined);
                  }}
                  data-testid="signin-use-recovery"
                >
                  {useRecovery ? 'Use your authenticator app' : 'Use a recovery code'}
                </button>
                <button type="button" class="link-button" onClick={backToPassword}>
                  Back
                </button>
              </div>
            </div>
          )}
          <Button type="submit" variant="primary" size="lg" busy={busy} disabled={throttled} class="btn--block">
            {busy ? (needOtp ? 'Verifying…' : 'Signing in…') : needOtp ? 'Verify' : 'Sign in'}
          </Button>
        </form>
      </div>
      <p class="signin__foot">Trouble signing in? Ask your Deskport administrator to check your account.</p>
    </main>
  );
}
