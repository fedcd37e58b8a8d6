// Small status pills: a generic Badge, the pool's protocol, a session's and a host's state, and an
// audit event's result.
import type { ComponentChildren } from 'preact';
import type { SessionState } from '../api/desktops.ts';

export type Tone = 'neutral' | 'blue' | 'green' | 'amber' | 'red' | 'violet';

export function Badge({ tone = 'neutral', dot = false, children }: { tone?: Tone; dot?: boolean; children?: ComponentChildren }) {
  return (
    <span class={`badge badge--${tone}`}>
      {dot && <span class="badge__dot" aria-hidden="true" />}
      {children}
    </span>
  );
}

const PROTOCOL_TONE: Record<string, Tone> = { rdp: 'violet', vnc: 'blue', ssh: 'neutral' };

export function ProtocolBadge({ protocol }: { protocol: string }) {
  return <Badge tone={PROTOCOL_TONE[protocol] ?? 'blue'}>{protocol.toUpperCase()}</Badge>;
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

const HOST_LOOK: Record<string, { tone: Tone; label: string }> = {
  online: { tone: 'green', label: 'Online' },
  unreachable: { tone: 'red', label: 'Unreachable' },
  draining: { tone: 'amber', label: 'Draining' },
  cordoned: { tone: 'violet', label: 'Cordoned' },
  offline: { tone: 'neutral', label: 'Offline' },
};

/** A host's state; one this client does not know is shown by its name. */
export function HostStateBadge({ state }: { state: string }) {
  const look = HOST_LOOK[state] ?? { tone: 'neutral', label: state };
  return (
    <Badge tone={look.tone} dot>
      {look.label}
    </Badge>
  );
}

const RESULT_TONE: Record<string, Tone> = { ok: 'green', denied: 'amber', failed: 'red' };

/** An audit event's result: ok, denied or failed. */
export function ResultBadge({ result }: { result: string }) {
  return <Badge tone={RESULT_TONE[result] ?? 'neutral'}>{result || 'unknown'}</Badge>;
}
