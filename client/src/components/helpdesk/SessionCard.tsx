// One live desktop on the helpdesk wall: its current screen (refreshed by the page), who and where,
// and "View" / "View and control".
import type { HelpdeskSession } from '../../api/helpdesk.ts';
import { thumbnailSrc } from '../../api/helpdesk.ts';
import type { ShadowMode } from '../../api/shadows.ts';
import { shadowSummary } from '../../modules/helpdeskFilter.ts';
import { formatAgo } from '../../modules/time.ts';
import { Badge } from '../Badge.tsx';
import { Button } from '../Button.tsx';

interface Props {
  session: HelpdeskSession;
  /** Changes on every refresh: busts the browser's image cache. */
  tick: number;
  now: number;
  /** A shadow of mine on this session that is still open, to go back to. */
  mine?: { id: string; label: string };
  onShadow(session: HelpdeskSession, mode: ShadowMode): void;
  onOpen(shadowId: string): void;
}

export function SessionCard({ session: s, tick, now, mine, onShadow, onOpen }: Props) {
  const shadow = shadowSummary(s);
  const started = s.readyAt ?? s.createdAt;
  return (
    <article class="session-card" data-testid={`session-card-${s.id}`} aria-labelledby={`session-card-${s.id}-title`}>
      <div class="session-card__thumb">
        <img
          src={thumbnailSrc(s.thumbnailUrl, tick)}
          alt={`Screen of ${s.displayName}’s desktop`}
          loading="lazy"
          width={320}
          height={200}
        />
      </div>
      <div class="session-card__body">
        <h2 id={`session-card-${s.id}-title`} class="session-card__who">
          {s.displayName} <span class="session-card__username">{s.username}</span>
        </h2>
        <dl class="session-card__facts">
          <div>
            <dt>{s.machineId ? 'Machine' : 'Pool'}</dt>
            <dd>{s.poolName}</dd>
          </div>
          <div>
            <dt>Host</dt>
            <dd>{s.hostName ?? '—'}</dd>
          </div>
        </dl>
        <p class="session-card__meta muted small">
          {started ? `started ${formatAgo(started, now)}` : 'running'} · {s.viewers === 1 ? '1 viewer' : `${s.viewers} viewers`}
        </p>
        <div class="session-card__shadow" data-testid={`session-card-${s.id}-shadow`}>
          <Badge tone={shadow.tone} dot={shadow.tone !== 'neutral'}>
            {shadow.label}
          </Badge>
        </div>
        <div class="session-card__actions">
          {mine ? (
            <Button size="sm" variant="primary" onClick={() => onOpen(mine.id)}>
              {mine.label}
            </Button>
          ) : (
            <>
              <Button size="sm" variant="primary" onClick={() => onShadow(s, 'view')}>
                View
              </Button>
              <Button size="sm" onClick={() => onShadow(s, 'control')}>
                View and control
              </Button>
            </>
          )}
        </div>
      </div>
    </article>
  );
}
