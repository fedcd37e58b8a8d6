// Sign in with username and password (a local account, or an LDAP directory's), or through an
// identity provider (OIDC buttons); when the account has two-step verification, a second step asks
// for the authenticator code (or a recovery code) and offers to remember this browser. After a
// provider sign-in the gateway sends the browser back here with ?step=code for that second step,
// or with ?error=REASON when the provider sign-in failed.
import { useEffect, useRef, useState } from 'preact/hooks';
import { listSignInProviders, login, loginCode, type SignInProvider } from '../api/auth.ts';
import { errorMessage, isApiError } from '../api/client.ts';
import type { Me } from '../api/types.ts';
import { Alert } from '../components/Alert.tsx';
import { Button } from '../components/Button.tsx';
import { Logo } from '../components/Logo.tsx';
import { TextField } from '../components/TextField.tsx';
import { useNow } from '../modules/useNow.ts';

/** What a failed provider sign-in means for the person, by the reason the gateway gives. */
export function providerFailureMessage(reason: string, provider: string): string {
  switch (reason) {
    case 'access_denied':
      return `Sign-in with ${provider} was cancelled. Try again when you are ready.`;
    case 'disabled':
      return 'Your Deskport account is disabled. Ask your Deskport administrator to enable it.';
    case 'expired':
    case 'bad_state':
      return `That sign-in with ${provider} took too long or was already used. Start again with the button below.`;
    case 'provider_unreachable':
      return `${provider} cannot be reached right now. Try again in a minute; if it keeps failing, tell your administrator.`;
    case 'unknown_provider':
      return 'That sign-in option is no longer available. Choose another one below.';
    default:
      return `Sign-in with ${provider} did not work (${reason}). Try again; if it keeps failing, tell your administrator.`;
  }
}

export function SignInPage({ onSignedIn }: { onSignedIn(me: Me): void }) {
  const [params] = useState(() => new URLSearchParams(location.search));
  const codeStep = params.get('step') === 'code';
  const [providers, setProviders] = useState<SignInProvider[]>([]);
  const [leaving, setLeaving] = useState<string>();
  const providerName = (id: string | null) => providers.find((p) => p.id === id)?.name ?? id ?? 'your provider';
  const [username, setUsername] = useState(codeStep ? (params.get('user') ?? '') : '');
  const [password, setPassword] = useState('');
  const [otp, setOtp] = useState('');
  const [needOtp, setNeedOtp] = useState(codeStep);
  const [useRecovery, setUseRecovery] = useState(false);
  const [remember, setRemember] = useState(false);
  const [rememberDays, setRememberDays] = useState(codeStep ? Number(params.get('rememberDays')) || 0 : 0);
  const [error, setError] = useState<string>();
  const failure = params.get('error');
  // A provider sign-in that failed says why until the person tries again.
  const [tried, setTried] = useState(false);
  const failureText = failure && !tried && !needOtp ? providerFailureMessage(failure, providerName(params.get('provider'))) : undefined;

  useEffect(() => {
    listSignInProviders().then(setProviders, () => setProviders([]));
    // After a provider sign-in: a browser remembered for two-step verification needs no code.
    if (codeStep) {
      loginCode({}).then(onSignedIn, (e: unknown) => {
        if (isApiError(e) && e.code !== 'otp_required') setError(e.message);
      });
    }
  }, []);

  const startProvider = (p: SignInProvider): void => {
    if (!p.startUrl) return;
    setLeaving(p.id);
    const next = params.get('next');
    location.assign(`${p.startUrl}${next && next.startsWith('/') && !next.startsWith('//') ? `?next=${encodeURIComponent(next)}` : ''}`);
  };
  const oidc = providers.filter((p) => p.kind === 'oidc' && p.startUrl);
  const directories = providers.filter((p) => p.kind === 'ldap');
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
    if (codeStep) return void location.assign('/signin');
    setNeedOtp(false);
    setUseRecovery(false);
    setOtp('');
    setPassword('');
    setError(undefined);
  };

  const submit = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    if (busy || throttled) return;
    setTried(true);
    if (!codeStep && (!username.trim() || !password)) {
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
      onSignedIn(
        codeStep
          ? await loginCode({ otp: otp.trim(), remember: remember && rememberDays > 0 })
          : await login({
              username: username.trim(),
              password,
              ...(needOtp ? { otp: otp.trim(), remember: remember && rememberDays > 0 } : {}),
            }),
      );
    } catch (e) {
      setBusy(false);
      if (isApiError(e) && e.code === 'otp_required') {
        const days = (e.details as { rememberDays?: unknown } | undefined)?.rememberDays;
        setRememberDays(typeof days === 'number' ? days : 0);
        setNeedOtp(true);
      } else if (isApiError(e) && e.code === 'sign_in_expired') {
        setError(`${e.message}`);
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
        {!needOtp && (
          <p class="signin__lead">
            {directories.length > 0
              ? `Sign in with your Deskport account or your ${directories.map((d) => d.name).join(' or ')} account.`
              : 'Reach your desktops from this browser tab.'}
          </p>
        )}
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
          {!throttled && (error ?? failureText) && <Alert>{error ?? failureText}</Alert>}
          {!needOtp && (
            <>
              <TextField
                id="signin-username"
                name="username"
                label="Username"
                value={username}
                onValue={setUsername}
                autocomplete="username"
                autoCapitalize="none"
                spellcheck={false}
                required
                autofocus
              />
              <TextField
                id="signin-password"
                name="password"
                type="password"
                label="Password"
                value={password}
                onValue={setPassword}
                autocomplete="current-password"
                required
              />
            </>
          )}
          {needOtp && (
            <div class="stack" data-testid="signin-otp-step">
              <p class="signin__step">
                Signing in as <strong>{username.trim()}</strong>
                {codeStep ? ` with ${providerName(params.get('provider'))}` : ''}.{' '}
                {useRecovery
                  ? 'Enter one of the recovery codes you saved when you set up two-step verification.'
                  : 'Open your authenticator app and enter the code it shows for Deskport.'}
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
                  <input
                    type="checkbox"
                    name="remember"
                    checked={remember}
                    onChange={(ev) => setRemember(ev.currentTarget.checked)}
                    data-testid="signin-remember"
                  />
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
        {!needOtp && oidc.length > 0 && (
          <div class="signin__providers stack" data-testid="signin-providers">
            <p class="signin__or">
              <span>or</span>
            </p>
            {oidc.map((p) => (
              <Button
                key={p.id}
                size="lg"
                class="btn--block"
                busy={leaving === p.id}
                disabled={leaving !== undefined}
                onClick={() => startProvider(p)}
                data-testid={`signin-provider-${p.id}`}
              >
                {leaving === p.id ? `Going to ${p.name}…` : `Sign in with ${p.name}`}
              </Button>
            ))}
          </div>
        )}
      </div>
      <p class="signin__foot">Trouble signing in? Ask your Deskport administrator to check your account.</p>
    </main>
  );
}
