// One existing machine on "My desktops", next to the pools: what it is and its protocol, whether the
// person's own credentials are saved (for machines that ask each person), and Connect. A machine
// nobody can reach right now says why and cannot be connected to.
import type { UserMachine } from '../../api/machines.ts';
import { Alert } from '../Alert.tsx';
import { ProtocolBadge } from '../Badge.tsx';
import { Button } from '../Button.tsx';

interface Props {
  machine: UserMachine;
  connecting: boolean;
  error?: string;
  onConnect(): void;
  onCredentials(): void;
}

function Icon({ ssh }: { ssh: boolean }) {
  return (
    <svg viewBox="0 0 24 24" width="22" height="22">
      <rect x="3" y="4" width="18" height="12" rx="2" fill="none" stroke="currentColor" stroke-width="1.8" />
      {ssh ? <path d="M7 8.5l2.5 2-2.5 2M11.5 13h4" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" /> : null}
      <path d="M9 20h6M12 16v4" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
    </svg>
  );
}

export function MachineCard({ machine: m, connecting, error, onConnect, onCredentials }: Props) {
  const needsCredentials = m.credentialMode === 'per_user' && !m.credentialsSaved;
  return (
    <article
      class={m.unavailable ? 'card pool-card machine-card is-unavailable' : 'card pool-card machine-card'}
      data-testid={`machine-card-${m.id}`}
      data-machine-id={m.id}
      aria-labelledby={`machine-${m.id}-name`}
    >
      <div class="pool-card__head">
        <div class="pool-card__icon" aria-hidden="true">
          <Icon ssh={m.protocol === 'ssh'} />
        </div>
        <div class="pool-card__title">
          <h2 id={`machine-${m.id}-name`}>{m.name}</h2>
          <span class="muted small">{m.protocol === 'ssh' ? 'Terminal' : 'Existing machine'}</span>
        </div>
        <ProtocolBadge protocol={m.protocol} />
      </div>
      <p class="pool-card__desc">{m.description || 'No description.'}</p>
      {m.unavailable && (
        <p class="machine-unavailable" data-testid={`machine-unavailable-${m.id}`}>
          {m.unavailable}
        </p>
      )}
      {error && <Alert>{error}</Alert>}
      <div class="pool-card__foot">
        {m.credentialMode === 'per_user' ? (
          m.credentialsSaved ? (
            <span class="muted small">
              Your login is saved ·{' '}
              <button type="button" class="link-btn" onClick={onCredentials} data-testid={`credentials-${m.id}`}>
                Change
              </button>
            </span>
          ) : (
            <span class="muted small">Not set up yet</span>
          )
        ) : (
          <span class="muted small">{m.credentialMode === 'none' ? 'Signs in on its own screen.' : 'Signs you in automatically.'}</span>
        )}
        <div class="pool-card__actions">
          {needsCredentials ? (
            <Button
              variant="primary"
              onClick={onCredentials}
              data-testid={`credentials-${m.id}`}
              aria-label={`Enter your credentials for ${m.name}`}
            >
              Enter your credentials
            </Button>
          ) : (
            <Button
              variant="primary"
              busy={connecting}
              disabled={m.unavailable !== undefined}
              onClick={onConnect}
              data-testid={`connect-${m.id}`}
              aria-label={`Connect to ${m.name}`}
            >
              {connecting ? 'Connecting…' : 'Connect'}
            </Button>
          )}
        </div>
      </div>
    </article>
  );
}
