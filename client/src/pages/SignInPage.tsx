// Sign in with username and password, plus a one-time code when the account asks for one.
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
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [retryUntil, setRetryUntil] = useState(0);
  const now = useNow(250, retryUntil > 0);
  const waitS = Math.max(0, Math.ceil((retryUntil - now) / 1000));
  const throttled = waitS > 0;
  const otpRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (needOtp) otpRef.current?.focus();
  }, [needOtp]);

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
      onSignedIn(await login({ username: username.trim(), password, ...(needOtp ? { otp: otp.trim() } : {}) }));
    } catch (e) {
      setBusy(false);
      if (isApiError(e) && e.code === 'otp_required') {
        if (needOtp) setError('That code was not accepted. Enter the current code from your authenticator app.');
        setNeedOtp(true);
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
        <h1 class="signin__title">Sign in</h1>
        <p class="signin__lead">Reach your desktops from this browser tab.</p>
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
          <TextField id="signin-username" name="username" label="Username" value={username} onValue={setUsername} autocomplete="username" autoCapitalize="none" spellcheck={false} required autofocus />
          <TextField id="signin-password" name="password" type="password" label="Password" value={password} onValue={setPassword} autocomplete="current-password" required />
          {needOtp && (
            <div class="field">
              <label class="field__label" for="signin-otp">
                One-time code
              </label>
              <input
                ref={otpRef}
                id="signin-otp"
                name="otp"
                class="input input--code"
                value={otp}
                onInput={(ev) => setOtp(ev.currentTarget.value)}
                inputMode="numeric"
                autocomplete="one-time-code"
                aria-describedby="signin-otp-hint"
                required
              />
              <span id="signin-otp-hint" class="field__hint">
                Enter the 6-digit code from your authenticator app.
              </span>
            </div>
          )}
          <Button type="submit" variant="primary" size="lg" busy={busy} disabled={throttled} class="btn--block">
            {busy ? 'Signing in…' : 'Sign in'}
          </Button>
        </form>
      </div>
      <p class="signin__foot">Trouble signing in? Ask your Deskport administrator to check your account.</p>
    </main>
  );
}
