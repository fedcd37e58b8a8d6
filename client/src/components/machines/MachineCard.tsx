// One existing machine on "My desktops", next to the pools: what it is and its protocol, whether the
// person's own credentials are saved (for machines that ask each person), and Connect. A machine
// nobody can reach right now says why and cannot be connected to.
import type { Session } from '../../api/desktops.ts';
import type { UserMachine } from '../../api/machines.ts';
import { formatAgo } from '../../modules/time.ts';
import { Alert } from '../Alert.tsx';
import { ProtocolBadge, StateBadge } from '../Badge.tsx';
import { Button } from '../Button.tsx';

interface Props {
  machine: UserMachine;
  /** The person's live session on it, if any. */
  session: Session | undefined;
  connecting: boolean;
  error?: string;
  now: number;
  onConnect(): void;
  onResume(session: Session): void;
  onEnd(session: Session): void;
  onCredentials(): void;
}

function SignInNote({ m, onCredentials }: { m: UserMachine; onCredentials(): void }) {
  if (m.credentialMode === 'per_user') {
    return m.credentialsSaved ? (
      <span class="muted small">
        Your login is saved ·{' '}
        <button type="button" class="link-btn" onClick={onCredentials} data-testid={`credentials-${m.id}`}>
          Change
        </button>
      </span>
    ) : (
      <span class="muted small">Not set up yet</span>
    );
  }
  if (m.credentialMode === 'passthrough') return <span class="muted small">Uses your directory sign-in</span>;
  return <span class="muted small">{m.credentialMode === 'none' ? 'Signs in on its own screen.' : 'Signs you in automatically.'}</span>;
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

export function MachineCard({ machine: m, session, connecting, error, now, onConnect, onResume, onEnd, onCredentials }: Props) {
  const needsCredentials = m.credentialMode === 'per_user' && !m.credentialsSaved;
  const live = session && session.state !== 'lost' ? session : undefined;
  const ending = live?.state === 'ending';
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
        {live ? (
          <div class="pool-card__status">
            <StateBadge state={live.state} />
            <span class="muted">
              {live.state === 'ready' ? 'connected' : 'requested'} {formatAgo(live.readyAt ?? live.createdAt, now)}
            </span>
            {/* A refused login is fixed here and the session resumed (the viewer's sentence says so). */}
            {m.credentialMode === 'per_user' && <SignInNote m={m} onCredentials={onCredentials} />}
          </div>
        ) : (
          <SignInNote m={m} onCredentials={onCredentials} />
        )}
        <div class="pool-card__actions">
          {live && (
            <Button
              variant="subtle-danger"
              disabled={ending}
              onClick={() => onEnd(live)}
              data-testid={`end-${m.id}`}
              aria-label={`End ${m.name}`}
            >
              End
            </Button>
          )}
          {live ? (
            <Button
              variant="primary"
              disabled={ending}
              onClick={() => onResume(live)}
              data-testid={`resume-${m.id}`}
              aria-label={`Resume ${m.name}`}
            >
              {ending ? 'Ending…' : 'Resume'}
            </Button>
          ) : needsCredentials ? (
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
