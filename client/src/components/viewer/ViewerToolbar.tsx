// The slim bar above the remote display: back to My desktops, what is connected, and the actions
// (clipboard, Ctrl+Alt+Del, full screen, disconnect). The shadow viewer swaps the back link, adds a
// badge, drops the input actions in view mode and brings its own actions.
import type { ComponentChildren } from 'preact';
import { withoutDesktop, type ViewerState } from '../../modules/viewer/connection.ts';
import { paths } from '../../modules/router.ts';
import { Link } from '../Link.tsx';
import type { BackTarget } from './ViewerOverlay.tsx';

interface Props {
  title: string;
  state: ViewerState;
  clipboardOpen: boolean;
  fullscreen: boolean;
  /** The clipboard panel's button; absent where the desktop has no clipboard to reach (a VM). */
  onClipboard?(): void;
  onCtrlAltDel(): void;
  onFullscreen(): void;
  onDisconnect(): void;
  /** The back link (My desktops unless given). */
  back?: BackTarget;
  /** Next to the status, e.g. the shadow viewer's "View only" badge. */
  badge?: ComponentChildren;
  /** View-only displays take no input: no clipboard sending, no Ctrl+Alt+Del. */
  viewOnly?: boolean;
  /** Replaces Disconnect (the shadow viewer: "Ask for control", "End"). */
  actions?: ComponentChildren;
  /** The file panel's button; absent where files cannot move (view-only displays, sources not available). */
  filesOpen?: boolean;
  onFiles?(): void;
  /** Replaces the connection status (the shadow viewer while waiting for consent). */
  status?: { label: string; tone: string };
  /** The sound control (SoundControl.tsx), before the full-screen button. */
  sound?: ComponentChildren;
}

const STATUS: Record<ViewerState['kind'], { label: string; tone: string }> = {
  idle: { label: 'Connecting…', tone: 'amber' },
  connecting: { label: 'Connecting…', tone: 'amber' },
  connected: { label: 'Connected', tone: 'green' },
  reconnecting: { label: 'Reconnecting…', tone: 'amber' },
  closed: { label: 'Disconnected', tone: 'grey' },
  ended: { label: 'Ended', tone: 'red' },
  failed: { label: 'Failed', tone: 'red' },
  notFound: { label: 'Not found', tone: 'red' },
  unsupported: { label: 'Not supported', tone: 'red' },
};

function Icon({ d }: { d: string }) {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
      <path d={d} fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" />
    </svg>
  );
}

const ICONS = {
  clipboard: 'M9 4h6v3H9zM7 5.5H5.5v15h13v-15H17M8.5 11h7M8.5 15h5',
  keys: 'M3 7h18v10H3zM6.5 10.5h1M10 10.5h1M13.5 10.5h1M17 10.5h.5M7 14h10',
  expand: 'M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5',
  shrink: 'M9 4v5H4M15 4v5h5M9 20v-5H4M15 20v-5h5',
  plug: 'M7 12h10M12 3v4M5 12a7 7 0 0 0 14 0M12 19v2',
  files: 'M3 6.5h6l2 2h10v10.5H3zM12 11v5M9.5 13.5 12 11l2.5 2.5',
};

export function ViewerToolbar(props: Props) {
  const { title, state, clipboardOpen, fullscreen } = props;
  const live = state.kind === 'connected';
  // No desktop behind this page (any more): nothing to copy to, press keys in or enlarge.
  const gone = withoutDesktop(state);
  const status = props.status ?? STATUS[state.kind];
  return (
    <div class="viewer-toolbar" role="toolbar" aria-label="Desktop controls">
      <Link href={props.back?.href ?? paths.desktops()} class="tb-btn tb-btn--back" data-testid="viewer-back-toolbar">
        <Icon d="M15 6l-6 6 6 6" />
        {props.back?.label ?? 'My desktops'}
      </Link>
      <span class="viewer-toolbar__divider" aria-hidden="true" />
      <span class="viewer-toolbar__title">{title}</span>
      <span class={`viewer-toolbar__status tone-${status.tone}`} data-testid="viewer-status">
        <span class="dot" aria-hidden="true" />
        {status.label}
      </span>
      {props.badge}
      <span class="viewer-toolbar__spacer" />
      {!props.viewOnly && (
        <>
          {props.onClipboard && (
            <button
              type="button"
              class={`tb-btn${clipboardOpen ? ' is-on' : ''}`}
              aria-expanded={clipboardOpen}
              aria-controls="viewer-clipboard-panel"
              disabled={gone}
              onClick={props.onClipboard}
            >
              <Icon d={ICONS.clipboard} />
              Clipboard
            </button>
          )}
          {props.onFiles && (
            <button
              type="button"
              class={`tb-btn${props.filesOpen ? ' is-on' : ''}`}
              aria-expanded={Boolean(props.filesOpen)}
              aria-controls="viewer-files-panel"
              disabled={gone}
              onClick={props.onFiles}
              data-testid="viewer-files"
            >
              <Icon d={ICONS.files} />
              Files
            </button>
          )}
          <button type="button" class="tb-btn" disabled={!live} onClick={props.onCtrlAltDel} title="Send Ctrl+Alt+Del to the desktop">
            <Icon d={ICONS.keys} />
            Ctrl+Alt+Del
          </button>
        </>
      )}
      {props.sound}
      {/* Still enabled while in full screen, so the way out stays where it was. */}
      <button type="button" class="tb-btn" disabled={gone && !fullscreen} onClick={props.onFullscreen} aria-pressed={fullscreen}>
        <Icon d={fullscreen ? ICONS.shrink : ICONS.expand} />
        {fullscreen ? 'Exit full screen' : 'Full screen'}
      </button>
      {props.actions ?? (
        <button
          type="button"
          class="tb-btn tb-btn--danger"
          disabled={!live && state.kind !== 'connecting' && state.kind !== 'reconnecting'}
          onClick={props.onDisconnect}
        >
          <Icon d={ICONS.plug} />
          Disconnect
        </button>
      )}
    </div>
  );
}
