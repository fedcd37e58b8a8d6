// "Add a host": creates a one-time enrollment token and shows it once, with the exact agent
// command for the new host. The token is kept only in this component; closing the panel forgets it.
import { useState } from 'preact/hooks';
import { createEnrollment, type Enrollment, type Host } from '../../api/adminHosts.ts';
import { errorMessage } from '../../api/client.ts';
import { agentCommand, type AgentDriver } from '../../modules/agentCommand.ts';
import { formatDateTime } from '../../modules/time.ts';
import { useNow } from '../../modules/useNow.ts';
import { Alert } from '../Alert.tsx';
import { Button } from '../Button.tsx';
import { CopyButton } from '../CopyButton.tsx';
import { SelectField } from '../SelectField.tsx';
import { TextField } from '../TextField.tsx';

const DRIVERS: { value: AgentDriver; label: string }[] = [
  { value: 'process', label: 'process: local desktops' },
  { value: 'docker', label: 'docker: containers' },
  { value: 'qemu', label: 'qemu: virtual machines' },
];

function minutesLeft(expiresAt: number, now: number): string {
  const m = Math.ceil((expiresAt - now) / 60_000);
  return m <= 0 ? 'expired' : m === 1 ? 'in 1 minute' : `in ${m} minutes`;
}

interface Props {
  suggestedName: string;
  hosts: Host[] | undefined;
  onClose(): void;
}

export function EnrollHostPanel({ suggestedName, hosts, onClose }: Props) {
  const [name, setName] = useState(suggestedName);
  const [driver, setDriver] = useState<AgentDriver>('process');
  const [enrollment, setEnrollment] = useState<Enrollment>();
  const [error, setError] = useState<string>();
  const [nameError, setNameError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const now = useNow(15_000, enrollment !== undefined);
  const joined = enrollment && hosts?.find((h) => h.name === name.trim() && (h.createdAt ?? 0) >= enrollment.expiresAt - 3600_000);

  const create = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    if (!name.trim()) {
      setNameError('Enter a name for the new host');
      return;
    }
    setNameError(undefined);
    setBusy(true);
    setError(undefined);
    try {
      setEnrollment(await createEnrollment());
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const command = enrollment ? agentCommand(location.origin, enrollment.token, name.trim() || suggestedName, driver) : '';
  const expired = enrollment !== undefined && enrollment.expiresAt <= now;

  return (
    <section class="card enroll" aria-labelledby="enroll-title" data-testid="enroll-panel">
      <div class="enroll__head">
        <div>
          <h2 id="enroll-title" class="card__title">
            Add a host
          </h2>
          <p class="muted small">A host runs desktops. Its agent dials out to this gateway, so the host needs no open port.</p>
        </div>
        <Button variant="ghost" size="sm" onClick={onClose}>
          {enrollment ? 'Done' : 'Close'}
        </Button>
      </div>
      <form class="enroll__form" onSubmit={(ev) => void create(ev)} noValidate>
        <TextField
          id="enroll-name"
          name="hostName"
          label="Host name"
          value={name}
          onValue={setName}
          error={nameError}
          autocomplete="off"
          spellcheck={false}
          hint="How the host is listed here, e.g. rack2-node7."
        />
        <SelectField
          id="enroll-driver"
          name="driver"
          label="Desktops it runs"
          value={driver}
          options={DRIVERS}
          onValue={(v: AgentDriver) => setDriver(v)}
          hint="Pools with this driver can place desktops on it. Docker and qemu hosts need their images built (README)."
        />
        {!enrollment && (
          <Button type="submit" variant="primary" busy={busy}>
            Create enrollment token
          </Button>
        )}
      </form>
      {error && <Alert>{error}</Alert>}
      {enrollment && (
        <div class="enroll__result" data-testid="enrollment">
          <Alert tone="info" title="Shown once">
            Copy the command now: this token is not shown again. It works <strong>once</strong>, for <strong>1 hour</strong> (until{' '}
            {formatDateTime(enrollment.expiresAt)}, <span data-testid="enrollment-expiry">{minutesLeft(enrollment.expiresAt, now)}</span>).
          </Alert>
          <div class="field">
            <label class="field__label" for="enroll-token">
              Enrollment token
            </label>
            <input
              id="enroll-token"
              class="input mono"
              readOnly
              value={enrollment.token}
              onFocus={(ev) => ev.currentTarget.select()}
              data-testid="enrollment-token"
            />
          </div>
          <div class="field">
            <span class="field__label" id="enroll-command-label">
              Run this on the new host, in the Deskport folder
            </span>
            <div class="command">
              <pre class="command__text" aria-labelledby="enroll-command-label" data-testid="enroll-command">
                <code>{command}</code>
              </pre>
              <CopyButton text={command} label="Copy command" />
            </div>
          </div>
          {expired && <Alert>This token has expired. Close this panel and create a new one.</Alert>}
          {joined ? (
            <Alert tone="success">{joined.name} has enrolled and appears in the list below.</Alert>
          ) : (
            !expired && (
              <p class="muted small">
                After the first start the agent keeps its own credential (in its --state folder) and needs no token again. The host appears
                below within a few seconds of enrolling.
              </p>
            )
          )}
        </div>
      )}
    </section>
  );
}
