// "Test connection" for a saved provider: the gateway binds to the directory with the service
// account (LDAP) or fetches the issuer's discovery document (OIDC). Shows progress while it runs,
// then the gateway's answer and what to check when it failed.
import { useEffect, useRef, useState } from 'preact/hooks';
import { testProvider, type IdentityProvider, type TestResult } from '../../api/adminIdentity.ts';
import { errorMessage } from '../../api/client.ts';
import { useNow } from '../../modules/useNow.ts';
import { Alert } from '../Alert.tsx';
import { Button } from '../Button.tsx';
import { Spinner } from '../Spinner.tsx';

const ADVICE = {
  ldap: 'Check the server URL and port, that the gateway can reach the server (firewall), the TLS settings (StartTLS, CA file), and the bind DN and password. A failed bind says “invalid credentials”; a wrong user base says “not readable”.',
  oidc: 'Check the issuer URL (it must serve /.well-known/openid-configuration), that the gateway can reach it (proxy, firewall, DNS), and that its certificate is trusted by the gateway.',
} as const;

interface Props {
  provider: IdentityProvider;
  /** The form has unsaved edits; the test uses the saved settings. */
  unsaved: boolean;
}

export function ConnectionTest({ provider, unsaved }: Props) {
  const [started, setStarted] = useState<number>();
  const [result, setResult] = useState<TestResult & { failedToAsk?: boolean }>();
  const now = useNow(500, started !== undefined);
  const abort = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => abort.current?.abort(), []);

  const run = async (): Promise<void> => {
    const ac = new AbortController();
    abort.current = ac;
    setStarted(Date.now());
    setResult(undefined);
    try {
      setResult(await testProvider(provider.id, ac.signal));
    } catch (e) {
      if (ac.signal.aborted) return;
      setResult({ ok: false, message: errorMessage(e), failedToAsk: true });
    }
    setStarted(undefined);
  };

  const seconds = started === undefined ? 0 : Math.floor((now - started) / 1000);
  return (
    <section class="card idp-test" aria-labelledby="idp-test-title" data-testid="idp-test">
      <div class="idp-test__head">
        <div>
          <h2 id="idp-test-title" class="card__title">
            Test connection
          </h2>
          <p class="muted small">
            {provider.kind === 'ldap'
              ? 'Connects to the directory, binds with the service account and reads the user base.'
              : 'Fetches the issuer’s discovery document, as sign-in would.'}{' '}
            Uses the saved settings.
          </p>
        </div>
        <Button onClick={() => void run()} busy={started !== undefined} data-testid="idp-test-button">
          {started !== undefined ? 'Testing…' : 'Test connection'}
        </Button>
      </div>
      {unsaved && <p class="idp-test__unsaved">You have unsaved changes above. Save them first to test them.</p>}
      {started !== undefined && (
        <div class="idp-test__progress" aria-live="polite">
          <Spinner size={16} label="Testing" />
          <span>
            {provider.kind === 'ldap' ? 'Contacting the directory' : 'Contacting the issuer'}… {seconds > 0 ? `${seconds} s` : ''}
          </span>
        </div>
      )}
      {result && (
        <div data-testid="idp-test-result" data-ok={result.ok ? 'true' : 'false'}>
          {result.ok ? (
            <Alert tone="success" title="Connection works">
              {result.message}
            </Alert>
          ) : (
            <Alert title={result.failedToAsk ? 'The test could not be run' : 'Connection failed'}>
              <p class="idp-test__message">{result.message}</p>
              {!result.failedToAsk && <p class="idp-test__advice">{ADVICE[provider.kind]}</p>}
            </Alert>
          )}
        </div>
      )}
    </section>
  );
}
