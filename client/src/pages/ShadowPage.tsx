// The helpdesk's view of someone's desktop (/shadow/:shadowId): waits for the owner's answer
// (polling the request every second), says so when denied, and once approved shows the display
// through the viewer's connection machinery with tickets from the shadow. View mode is view-only,
// with "Ask for control" (a new control request; when it is allowed the page switches to it).
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage, isApiError } from '../api/client.ts';
import { listHelpdeskSessions } from '../api/helpdesk.ts';
import { endShadow, getShadow, requestShadow, type Shadow } from '../api/shadows.ts';
import { Badge } from '../components/Badge.tsx';
import { ShadowRequestDialog } from '../components/helpdesk/ShadowRequestDialog.tsx';
import { ClipboardPanel } from '../components/viewer/ClipboardPanel.tsx';
import { ShadowStatus, type ShadowStatusKind } from '../components/viewer/ShadowStatus.tsx';
import { ViewerOverlay } from '../components/viewer/ViewerOverlay.tsx';
import { ViewerToolbar } from '../components/viewer/ViewerToolbar.tsx';
import { SoundControl } from '../components/viewer/SoundControl.tsx';
import { createShadowAudioTicket } from '../api/audio.ts';
import { guacSound } from '../modules/audio/guacSound.ts';
import type { SoundState } from '../modules/audio/player.ts';
import { navigate, paths } from '../modules/router.ts';
import { ViewerConnection, type ViewerState } from '../modules/viewer/connection.ts';
import { publishDebug } from '../modules/viewer/debugHook.ts';
import { shadowTicketSource } from '../modules/viewer/shadowTicketSource.ts';

const PENDING_POLL_MS = 1000;
const APPROVED_POLL_MS = 3000;
const BACK = { href: paths.helpdesk(), label: 'Helpdesk' };
const STATUS_LOOK: Record<string, { label: string; tone: string }> = {
  loading: { label: 'Loading…', tone: 'amber' },
  pending: { label: 'Waiting for consent', tone: 'amber' },
  denied: { label: 'Denied', tone: 'red' },
  ended: { label: 'Ended', tone: 'red' },
  'not-found': { label: 'Not found', tone: 'red' },
};

type Load = { kind: 'loading' } | { kind: 'notFound'; note?: string } | { kind: 'ok'; shadow: Shadow };

/** Polls a shadow while `active`; the answer (or a 403/404) goes to `onShadow`/`onGone`. */
function useShadowPoll(
  id: string | undefined,
  active: boolean,
  ms: number,
  onShadow: (s: Shadow) => void,
  onGone: (note?: string) => void,
): void {
  const handlers = useRef({ onShadow, onGone });
  handlers.current = { onShadow, onGone };
  useEffect(() => {
    if (!id || !active) return;
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async (): Promise<void> => {
      try {
        handlers.current.onShadow(await getShadow(id, ac.signal));
      } catch (e) {
        if (ac.signal.aborted) return;
        if (isApiError(e) && (e.status === 400 || e.status === 403 || e.status === 404)) return handlers.current.onGone(errorMessage(e));
      }
      if (!ac.signal.aborted) timer = setTimeout(() => void tick(), ms);
    };
    void tick();
    return () => {
      ac.abort();
      clearTimeout(timer);
    };
  }, [id, active, ms]);
}

export function ShadowPage({ shadowId }: { shadowId: string }) {
  const rootRef = useRef<HTMLDivElement>(null);
  const screenRef = useRef<HTMLDivElement>(null);
  const connRef = useRef<ViewerConnection | undefined>(undefined);
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [conn, setConn] = useState<ViewerState>({ kind: 'idle' });
  const [owner, setOwner] = useState<{ name: string; pool?: string; machine: boolean }>();
  const [ending, setEnding] = useState(false);
  const [asking, setAsking] = useState(false);
  const [upgrade, setUpgrade] = useState<Shadow>();
  const [upgradeNote, setUpgradeNote] = useState<string>();
  const [clipboardOpen, setClipboardOpen] = useState(false);
  const [clipText, setClipText] = useState('');
  const [clipAt, setClipAt] = useState<number>();
  const [fullscreen, setFullscreen] = useState(false);

  const shadow = load.kind === 'ok' ? load.shadow : undefined;
  const approved = shadow?.state === 'approved';
  const mode = shadow?.mode ?? 'view';
  const sessionId = shadow?.sessionId;

  useShadowPoll(
    shadowId,
    load.kind === 'loading' || shadow?.state === 'pending' || approved,
    approved ? APPROVED_POLL_MS : PENDING_POLL_MS,
    (s) => setLoad({ kind: 'ok', shadow: s }),
    (note) => setLoad((l) => (l.kind === 'ok' ? { kind: 'ok', shadow: { ...l.shadow, state: 'ended' } } : { kind: 'notFound', note })),
  );

  // The upgrade to control: once the owner allows it, the gateway ends this view shadow; switch over.
  useShadowPoll(upgrade?.id, upgrade?.state === 'pending', PENDING_POLL_MS, setUpgrade, () => setUpgrade(undefined));
  useEffect(() => {
    if (!upgrade) return;
    if (upgrade.state === 'approved') navigate(paths.shadow(upgrade.id), { replace: true });
    else if (upgrade.state !== 'pending') {
      setUpgradeNote(
        upgrade.state === 'denied'
          ? `${owner?.name ?? 'They'} did not allow control. You can still see the desktop.`
          : 'The request for control was withdrawn.',
      );
      setUpgrade(undefined);
    }
  }, [upgrade]);

  // Whose desktop: the helpdesk list has the names (best effort).
  useEffect(() => {
    if (!sessionId) return;
    const ac = new AbortController();
    listHelpdeskSessions(ac.signal).then(
      (list) => {
        const s = list.find((x) => x.id === sessionId);
        if (s) setOwner({ name: s.displayName, pool: s.poolName, machine: Boolean(s.machineId) });
      },
      () => {},
    );
    return () => ac.abort();
  }, [sessionId]);

  // Before (and without) a display connection, the test hook still says which shadow this is.
  useEffect(() => {
    if (!approved) publishDebug({ rfbState: 'disconnected', sessionId: sessionId ?? '', attempts: 0, shadowId });
  }, [approved, sessionId, shadowId]);

  useEffect(() => {
    const target = screenRef.current;
    if (!approved || !target || !sessionId) return;
    const c = new ViewerConnection({
      sessionId,
      target,
      source: shadowTicketSource(shadowId, mode, (s) => {
        if (s.state !== 'approved') setLoad({ kind: 'ok', shadow: s });
      }),
      debug: { shadowId },
      onState: setConn,
      onClipboard: (text) => {
        setClipText(text);
        setClipAt(Date.now());
      },
    });
    connRef.current = c;
    c.start();
    return () => {
      c.dispose();
      connRef.current = undefined;
    };
  }, [approved, sessionId, shadowId, mode]);

  useEffect(() => {
    const title = owner ? `${owner.name}’s desktop` : 'Shadow';
    document.title = `${title} · Deskport`;
    return () => {
      document.title = 'Deskport';
    };
  }, [owner]);

  useEffect(() => {
    const onChange = (): void => setFullscreen(document.fullscreenElement === rootRef.current);
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);

  const end = async (): Promise<void> => {
    setEnding(true);
    try {
      setLoad({ kind: 'ok', shadow: await endShadow(shadowId) });
      if (upgrade) await endShadow(upgrade.id).catch(() => {});
    } catch (e) {
      console.warn('Could not end the shadow', e);
    } finally {
      setEnding(false);
    }
  };

  const ownerName = owner?.name ?? 'the person';
  // The connection ending (a DisplayClose.ShadowEnded close, or the pre-check finding it over) is the shadow ending,
  // unless it is this view shadow making way for an allowed control one.
  const connEnded = conn.kind === 'ended' || conn.kind === 'notFound';
  let status: ShadowStatusKind | undefined;
  if (load.kind === 'loading') status = 'loading';
  else if (load.kind === 'notFound') status = 'not-found';
  else if (shadow?.state === 'pending') status = 'pending';
  else if (shadow?.state === 'denied') status = 'denied';
  else if (shadow?.state === 'ended' || (connEnded && !upgrade)) status = 'ended';
  const live = !status && conn.kind === 'connected';
  const viewOnly = mode === 'view';

  const actions = (
    <>
      {viewOnly && (
        <button type="button" class="tb-btn" disabled={!approved || Boolean(upgrade) || Boolean(status)} onClick={() => setAsking(true)}>
          {upgrade ? 'Waiting for control…' : 'Ask for control'}
        </button>
      )}
      <button
        type="button"
        class="tb-btn tb-btn--danger"
        disabled={ending || !shadow || (status !== undefined && status !== 'pending')}
        onClick={() => void end()}
      >
        End
      </button>
    </>
  );

  const toggleFullscreen = (): void => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else rootRef.current?.requestFullscreen().catch((e: unknown) => console.warn('Full screen refused', e));
  };

  return (
    <div
      class="viewer viewer--shadow"
      ref={rootRef}
      data-state={status ?? conn.kind}
      data-testid="shadow-viewer"
      data-shadow-id={shadowId}
      data-mode={mode}
    >
      <ViewerToolbar
        title={owner ? `${owner.name}${owner.pool ? ` · ${owner.pool}` : ''}` : 'Shadow session'}
        state={status === 'ended' || status === 'denied' || status === 'not-found' ? { kind: 'ended', message: '' } : conn}
        status={STATUS_LOOK[status ?? ''] ?? (upgrade && connEnded ? { label: 'Switching…', tone: 'amber' } : undefined)}
        clipboardOpen={clipboardOpen}
        fullscreen={fullscreen}
        back={BACK}
        viewOnly={viewOnly}
        badge={
          <span class="viewer-toolbar__badge" data-testid="shadow-mode-badge" data-mode={mode}>
            <Badge tone={viewOnly ? 'blue' : 'amber'}>{viewOnly ? 'View only' : 'Control'}</Badge>
          </span>
        }
        actions={actions}
        onClipboard={() => setClipboardOpen((open) => !open)}
        onCtrlAltDel={() => {
          connRef.current?.sendCtrlAltDel();
          connRef.current?.focus();
        }}
        onFullscreen={toggleFullscreen}
        onDisconnect={() => connRef.current?.disconnect()}
        sound={
          shadow?.sound && approved ? (
            <SoundControl
              // An existing machine's sound comes with the joined guacd display (guacSound.ts); the gateway lets
              // it through only to a shadow the owner shared sound with. Pool desktops: /ws/audio, the shadow's tickets.
              key={owner?.machine ? 'guac' : 'own'}
              ticket={() => createShadowAudioTicket(shadowId)}
              disabled={status !== undefined}
              {...(owner?.machine ? { source: (onState: (s: SoundState) => void) => guacSound.player(onState) } : {})}
            />
          ) : undefined
        }
      />
      {upgradeNote && (
        <div class="shadow-note" role="status">
          {upgradeNote}
          <button type="button" class="icon-btn" aria-label="Dismiss" onClick={() => setUpgradeNote(undefined)}>
            ✕
          </button>
        </div>
      )}
      {upgrade && !status && (
        <div class="shadow-note" role="status" data-testid="control-pending">
          Waiting for {ownerName} to allow control…
        </div>
      )}
      <div class="viewer__stage">
        <div class="viewer__screen" ref={screenRef} data-testid="viewer" data-session-id={sessionId ?? ''} />
        {status ? (
          <ShadowStatus
            kind={status}
            owner={ownerName}
            mode={mode}
            note={load.kind === 'notFound' ? load.note : undefined}
            onCancel={() => void end()}
            cancelling={ending}
          />
        ) : connEnded && upgrade ? (
          <ViewerOverlay
            state={{ kind: 'connecting', everConnected: false }}
            connectingLabel="Switching to control…"
            onReconnect={() => {}}
            back={BACK}
          />
        ) : (
          <ViewerOverlay
            state={conn}
            onReconnect={() => connRef.current?.reconnectNow()}
            back={BACK}
            connectingLabel={`Connecting to ${ownerName}’s desktop…`}
          />
        )}
        {clipboardOpen && !viewOnly && !status && (
          <div id="viewer-clipboard-panel" class="viewer__side">
            <ClipboardPanel
              text={clipText}
              receivedAt={clipAt}
              connected={live}
              onText={setClipText}
              onSend={(text) => connRef.current?.pasteToRemote(text)}
              onClose={() => setClipboardOpen(false)}
            />
          </div>
        )}
      </div>
      {asking && shadow && (
        <ShadowRequestDialog
          owner={ownerName}
          mode="control"
          initialReason={shadow.reason}
          onClose={() => setAsking(false)}
          onSubmit={async (reason) => {
            const next = await requestShadow(shadow.sessionId, 'control', reason);
            setUpgradeNote(undefined);
            setUpgrade(next);
            setAsking(false);
          }}
        />
      )}
    </div>
  );
}
