// Small status pills: a generic Badge, the pool's protocol, and a session's state.
import type { ComponentChildren } from 'preact';
import type { SessionState } from '../api/types.ts';

export type Tone = 'neutral' | 'blue' | 'green' | 'amber' | 'red' | 'violet';

export function Badge({ tone = 'neutral', dot = false, children }: { tone?: Tone; dot?: boolean; children?: ComponentChildren }) {
  return (
    <span class={`badge badge--${tone}`}>
      {dot && <span class="badge__dot" aria-hidden="true" />}
      {children}
    </span>
  );
}

export function ProtocolBadge({ protocol }: { protocol: string }) {
  return <Badge tone={protocol === 'rdp' ? 'violet' : 'blue'}>{protocol.toUpperCase()}</Badge>;
}

const STATE_LOOK: Record<SessionState, { tone: Tone; label: string }> = {
  starting: { tone: 'amber', label: 'Starting' },
  ready: { tone: 'green', label: 'Running' },
  ending: { tone: 'amber', label: 'Ending' },
  ended: { tone: 'neutral', label: 'Ended' },
  failed: { tone: 'red', label: 'Failed' },
  lost: { tone: 'red', label: 'Lost' },
};

export function StateBadge({ state }: { state: SessionState }) {
  const look = STATE_LOOK[state];
  return (
    <Badge tone={look.tone} dot>
      {look.label}
    </Badge>
  );
}
