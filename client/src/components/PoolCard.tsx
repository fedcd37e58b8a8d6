// One entitled pool on "My desktops": what it is, and the person's live session in it, if any,
// with Launch / Resume / End. A pool that cannot be launched now (an RDP pool while the gateway has
// no guacd) says why and offers no Launch; a running session in it can still be resumed or ended.
import type { Pool, Session } from '../api/desktops.ts';
import { formatAgo } from '../modules/time.ts';
import { Alert } from './Alert.tsx';
import { ProtocolBadge, StateBadge } from './Badge.tsx';
import { Button } from './Button.tsx';

const DRIVER_LABEL: Record<string, string> = {
  docker: 'Container',
  process: 'Local desktop',
  qemu: 'Virtual machine',
  static: 'Existing machine',
};

interface Props {
  pool: Pool;
  session: Session | undefined;
  launching: boolean;
  error?: string;
  now: number;
  onLaunch(): void;
  onResume(session: Session): void;
  onEnd(session: Session): void;
  /** Personal VM pools: open the snapshots of the person's disk. */
  onSnapshots?(): void;
}

function SessionLine({ session, now }: { session: Session; now: number }) {
  const since = session.state === 'ready' ? (session.readyAt ?? session.createdAt) : session.createdAt;
  return (
    <div class="pool-card__status">
      <StateBadge state={session.state} />
      <span class="muted">
        {session.state === 'ready' ? 'started' : 'requested'} {formatAgo(since, now)}
        {session.viewers > 0 && ` · ${session.viewers} viewer${session.viewers === 1 ? '' : 's'}`}
      </span>
    </div>
  );
}

export function PoolCard({ pool, session: current, launching, error, now, onLaunch, onResume, onEnd, onSnapshots }: Props) {
  // A lost session (its host stopped answering) is shown, but launching starts afresh elsewhere.
  const lost = current?.state === 'lost' ? current : undefined;
  const session = lost ? undefined : current;
  const ending = session?.state === 'ending';
  return (
    <article class="card pool-card" data-testid={`pool-card-${pool.id}`} data-pool-id={pool.id} aria-labelledby={`pool-${pool.id}-name`}>
      <div class="pool-card__head">
        <div class="pool-card__icon" aria-hidden="true">
          <svg viewBox="0 0 24 24" width="22" height="22">
            <rect x="3" y="4" width="18" height="12" rx="2" fill="none" stroke="currentColor" stroke-width="1.8" />
            <path d="M9 20h6M12 16v4" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
          </svg>
        </div>
        <div class="pool-card__title">
          <h2 id={`pool-${pool.id}-name`}>{pool.name}</h2>
          <span class="muted small">{DRIVER_LABEL[pool.driver] ?? pool.driver}</span>
        </div>
        <ProtocolBadge protocol={pool.protocol} />
      </div>
      <p class="pool-card__desc">{pool.description || 'No description.'}</p>
      {pool.unavailable && !session && (
        <p class="pool-card__unavailable" role="note" data-testid={`unavailable-${pool.id}`}>
          {pool.unavailable}
        </p>
      )}
      {error && <Alert>{error}</Alert>}
      <div class="pool-card__foot">
        {session ? (
          <SessionLine session={session} now={now} />
        ) : lost ? (
          <span class="muted small" data-testid={`lost-${pool.id}`}>
            {pool.persistence === 'personal'
              ? 'Its machine stopped answering. Your files are kept on it, so this desktop comes back when the machine does.'
              : 'Its machine stopped answering. It may come back; Launch starts a new desktop instead.'}
          </span>
        ) : (
          <span class="muted small">Not running</span>
        )}
        <div class="pool-card__actions">
          {pool.snapshots && onSnapshots && (
            <Button onClick={onSnapshots} data-testid={`snapshots-${pool.id}`} aria-label={`Snapshots of ${pool.name}`}>
              Snapshots
            </Button>
          )}
          {session && (
            <Button
              variant="subtle-danger"
              disabled={ending}
              onClick={() => onEnd(session)}
              data-testid={`end-${pool.id}`}
              aria-label={`End ${pool.name}`}
            >
              End
            </Button>
          )}
          {session ? (
            <Button
              variant="primary"
              disabled={ending}
              onClick={() => onResume(session)}
              data-testid={`resume-${pool.id}`}
              aria-label={`Resume ${pool.name}`}
            >
              {ending ? 'Ending…' : 'Resume'}
            </Button>
          ) : (
            <Button
              variant="primary"
              busy={launching}
              disabled={Boolean(pool.unavailable)}
              title={pool.unavailable}
              onClick={onLaunch}
              data-testid={`launch-${pool.id}`}
              aria-label={`Launch ${pool.name}`}
            >
              {launching ? 'Launching…' : 'Launch'}
            </Button>
          )}
        </div>
      </div>
    </article>
  );
}
