// What covers the display while it is not live: connecting, connection lost (with the countdown to
// the next try and "Reconnect now", and why when it is not the usual), disconnected by the person
// (with how long the desktop waits), failed to open (what went wrong, "Try again"), the session has
// ended, or there is no such session.
import type { ComponentChildren } from 'preact';
import type { ViewerState } from '../../modules/viewer/connection.ts';
import { paths } from '../../modules/router.ts';
import { useNow } from '../../modules/useNow.ts';
import { disconnectNote } from '../../modules/viewer/disconnectNote.ts';
import { Button } from '../Button.tsx';
import { Link } from '../Link.tsx';
import { Spinner } from '../Spinner.tsx';

interface Props {
  state: ViewerState;
  /** The pool's disconnect grace in seconds, once known. */
  graceS?: number;
  onReconnect(): void;
  /** Where "back" goes; My desktops unless given (the shadow viewer goes back to the helpdesk console). */
  back?: BackTarget;
  /** Replaces the "session has ended" wording (the shadow viewer: "The shadow session ended"). */
  ended?: { title: string; text: string };
  /** A line under "Connecting…" (the recording notice). */
  notice?: string;
  connectingLabel?: string;
}

export interface BackTarget {
  href: string;
  /** Short label ("Helpdesk"); the primary button says "Back to <label>". */
  label: string;
}

const MY_DESKTOPS: BackTarget = { href: paths.desktops(), label: 'My desktops' };

function BackLink({ primary = false, to = MY_DESKTOPS }: { primary?: boolean; to?: BackTarget }) {
  return (
    <Link href={to.href} class={`btn btn--md ${primary ? 'btn--primary' : 'btn--on-dark'}`} data-testid="viewer-back">
      {primary ? `Back to ${to.label}` : to.label}
    </Link>
  );
}

function Panel({ kind, title, children }: { kind: string; title: string; children?: ComponentChildren }) {
  return (
    <div class="viewer-overlay" data-testid="viewer-overlay" data-kind={kind}>
      <div
        class="viewer-overlay__panel"
        role={kind === 'ended' || kind === 'failed' || kind === 'not-found' ? 'alert' : 'status'}
        aria-live="polite"
      >
        <h1 class="viewer-overlay__title">{title}</h1>
        {children}
      </div>
    </div>
  );
}

function Reconnecting({
  state,
  onReconnect,
  back,
}: {
  state: Extract<ViewerState, { kind: 'reconnecting' }>;
  onReconnect(): void;
  back?: BackTarget;
}) {
  const now = useNow(250);
  const waitS = Math.max(0, Math.ceil((state.retryAt - now) / 1000));
  return (
    <Panel
      kind="reconnecting"
      title={
        state.note?.title ??
        (state.hostLost
          ? 'The machine running this desktop stopped answering'
          : state.everConnected
            ? 'Connection lost — reconnecting…'
            : 'Cannot reach the desktop — retrying…')
      }
    >
      <div class="viewer-overlay__row">
        <Spinner size={18} label="Reconnecting" light />
        <span>
          {waitS > 0 ? `Next try in ${waitS} s` : 'Trying now'} (attempt {state.retry + 1}).{' '}
          {state.note?.text ??
            (state.hostLost
              ? 'If it comes back, so does your desktop. You can also go back and launch a new desktop on another machine.'
              : 'Your desktop keeps running meanwhile.')}
        </span>
      </div>
      <div class="viewer-overlay__actions">
        <Button variant="primary" onClick={onReconnect} data-testid="reconnect-now">
          Reconnect now
        </Button>
        <BackLink to={back} />
      </div>
    </Panel>
  );
}

export function ViewerOverlay({ state, graceS, onReconnect, back, ended, notice, connectingLabel = 'Connecting to your desktop…' }: Props) {
  switch (state.kind) {
    case 'connected':
      return null;
    case 'idle':
    case 'connecting':
      return (
        <div class="viewer-overlay" data-testid="viewer-overlay" data-kind="connecting">
          <div class="viewer-overlay__panel viewer-overlay__panel--compact" role="status" aria-live="polite">
            <Spinner size={22} label="Connecting" light />
            <span class="viewer-overlay__title">
              {state.kind === 'connecting' && state.everConnected ? 'Reconnecting…' : connectingLabel}
            </span>
            {notice && (
              <span class="viewer-overlay__notice" data-testid="recording-notice">
                <span class="recording-badge__dot" aria-hidden="true" />
                {notice}
              </span>
            )}
          </div>
        </div>
      );
    case 'reconnecting':
      return <Reconnecting state={state} onReconnect={onReconnect} back={back} />;
    case 'closed':
      return (
        <Panel kind="closed" title="You disconnected">
          <p data-testid="disconnect-note">{disconnectNote(graceS)}</p>
          <div class="viewer-overlay__actions">
            <Button variant="primary" onClick={onReconnect} data-testid="reconnect-now">
              Reconnect
            </Button>
            <BackLink to={back} />
          </div>
        </Panel>
      );
    case 'ended':
      return (
        <Panel kind="ended" title={state.title ?? ended?.title ?? 'This desktop session has ended'}>
          <p data-testid="ended-note">
            {state.title ? state.message : (ended?.text ?? `${state.message} Launch it again from My desktops.`)}
          </p>
          <div class="viewer-overlay__actions">
            <BackLink primary to={back} />
          </div>
        </Panel>
      );
    case 'failed':
      return (
        <Panel kind="failed" title={state.title}>
          <p data-testid="failed-note">{state.message}</p>
          <div class="viewer-overlay__actions">
            <Button variant="primary" onClick={onReconnect} data-testid="reconnect-now">
              Try again
            </Button>
            <BackLink to={back} />
          </div>
        </Panel>
      );
    case 'notFound':
      return (
        <Panel kind="not-found" title="No such desktop session">
          <p>It may belong to someone else, or the link is wrong.</p>
          <div class="viewer-overlay__actions">
            <BackLink primary to={back} />
          </div>
        </Panel>
      );
    case 'unsupported':
      return (
        <Panel kind="unsupported" title="This desktop cannot be shown here">
          <p>
            It uses {state.protocol.toUpperCase()}, which this viewer does not know. Reload the page (the gateway may be newer than it); if
            it stays, ask your administrator.
          </p>
          <div class="viewer-overlay__actions">
            <BackLink primary to={back} />
          </div>
        </Panel>
      );
  }
}
