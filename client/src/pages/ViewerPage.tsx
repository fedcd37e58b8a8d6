// The remote desktop in the browser: noVNC fills the window under a slim toolbar; overlays explain
// connecting, reconnecting, disconnected, ended and unknown sessions. The connection logic lives in
// modules/viewer/connection. While it is open, helpdesk requests to shadow the desktop come up as a
// consent prompt, and an approved shadow keeps a banner with "Stop sharing" on top.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { listPools, type Session } from '../api/desktops.ts';
import { listMachines } from '../api/machines.ts';
import { createAudioTicket } from '../api/audio.ts';
import { ClipboardPanel } from '../components/viewer/ClipboardPanel.tsx';
import { ViewerFiles } from '../components/files/ViewerFiles.tsx';
import { openHttpFileSource } from '../modules/files/httpSource.ts';
import { SoundControl } from '../components/viewer/SoundControl.tsx';
import { guacSound } from '../modules/audio/guacSound.ts';
import type { SoundState } from '../modules/audio/player.ts';
import { createGuacSourceSlot } from '../modules/files/guacSlot.ts';
import type { SessionPolicy } from '../../../contract/api/policy.ts';
import { ShadowBanner } from '../components/viewer/ShadowBanner.tsx';
import { ShadowPrompt } from '../components/viewer/ShadowPrompt.tsx';
import { ViewerOverlay } from '../components/viewer/ViewerOverlay.tsx';
import { ViewerToolbar } from '../components/viewer/ViewerToolbar.tsx';
import { RECORDING_NOTICE, RecordingBadge } from '../components/viewer/RecordingBadge.tsx';
import { useRecordingNotice } from '../modules/viewer/useRecordingNotice.ts';
import { navigate, paths } from '../modules/router.ts';
import { ViewerConnection, withoutDesktop, type ViewerState } from '../modules/viewer/connection.ts';
import { useOwnerShadows } from '../modules/viewer/useOwnerShadows.ts';

export function ViewerPage({ sessionId }: { sessionId: string }) {
  const rootRef = useRef<HTMLDivElement>(null);
  const screenRef = useRef<HTMLDivElement>(null);
  const connRef = useRef<ViewerConnection | undefined>(undefined);
  const [state, setState] = useState<ViewerState>({ kind: 'idle' });
  /** The pool's or the machine's name and the pool's reconnect grace, once known. */
  const [about, setAbout] = useState<{ name: string; graceS?: number; driver?: string }>();
  /** The pool lookup answered (or failed): what `about` says, if anything, is all there is to know. */
  const [lookedUp, setLookedUp] = useState(false);
  const poolName = about?.name;
  const [clipboardOpen, setClipboardOpen] = useState(false);
  const [clipText, setClipText] = useState('');
  const [clipAt, setClipAt] = useState<number>();
  const [fullscreen, setFullscreen] = useState(false);
  const [session, setSession] = useState<Session>();
  const stageRef = useRef<HTMLDivElement>(null);
  const [filesOpen, setFilesOpen] = useState(false);
  /** Our own desktops move files through the gateway's API; existing machines have none here (yet). */
  const [ownDesktop, setOwnDesktop] = useState(false);
  /** Existing RDP/SSH machines: guacd's drive or SFTP, when the display offers one (guacSource.ts). */
  const guacFiles = useRef(createGuacSourceSlot());
  const [machine, setMachine] = useState(false);
  const [policy, setPolicy] = useState<SessionPolicy>();
  const policyRef = useRef<SessionPolicy | undefined>(undefined);
  const openFiles = useCallback(() => (ownDesktop ? openHttpFileSource(sessionId) : guacFiles.current.open()), [sessionId, ownDesktop]);
  const [uploadsOff, setUploadsOff] = useState(false);

  useEffect(() => {
    const target = screenRef.current;
    if (!target) return;
    let poolLookup = false;
    const conn = new ViewerConnection({
      sessionId,
      target,
      onState: setState,
      onClipboard: (text) => {
        setClipText(text);
        setClipAt(Date.now());
        // Best effort: browsers only allow this while the page has focus.
        navigator.clipboard?.writeText(text).catch(() => {});
      },
      onSession: (session) => {
        setSession(session);
        setOwnDesktop(!session.machineId);
        setMachine(Boolean(session.machineId));
        if (session.policy) ((policyRef.current = session.policy), setPolicy(session.policy));
        setUploadsOff(session.policy?.fileUpload === false);
        if (poolLookup) return;
        poolLookup = true;
        const named: Promise<{ id: string; name: string; graceS?: number; driver?: string }[]> = session.machineId
          ? listMachines()
          : listPools();
        const id = session.machineId ?? session.poolId;
        named
          .then(
            (items) => setAbout(items.find((i) => i.id === id)),
            () => {},
          )
          .finally(() => setLookedUp(true));
      },
      onFiles: (make) => {
        const p = policyRef.current;
        guacFiles.current.set(
          make && p ? make({ upload: p.fileUpload, download: p.fileDownload, maxBytes: p.fileMaxMb * 1024 * 1024 }) : null,
        );
      },
      onNotReady: () => navigate(paths.launch(sessionId), { replace: true }),
    });
    connRef.current = conn;
    conn.start();
    return () => conn.dispose();
  }, [sessionId]);

  useEffect(() => {
    document.title = `${poolName ?? 'Desktop'} · Deskport`;
    return () => {
      document.title = 'Deskport';
    };
  }, [poolName]);

  const gone = withoutDesktop(state);
  // What the desktop behind this page offers besides its screen. A VM (qemu driver) has no file home
  // and no sound channel yet (docs/qemu.md); an RDP VM has the clipboard (xrdp's, in the guest), a VNC
  // VM none. A pool session's buttons wait for its pool lookup (one quick request) rather than vanish
  // once it answers; a lookup that fails or finds no such pool counts as not a VM.
  const known = machine || lookedUp;
  const vm = about?.driver === 'qemu';
  const extras = known && !vm;
  const clipboard = extras || (known && vm && session?.protocol === 'rdp');
  // RDP desktops of the process driver: their agent feeds xrdp's sound channel (docker's play through /ws/audio).
  const guacAudio = machine || (session?.protocol === 'rdp' && about?.driver === 'process');
  // Only the owner opens this page; the events stream says who asks to look (until the desktop is gone).
  const shadows = useOwnerShadows(sessionId, !gone);
  const recording = useRecordingNotice(sessionId, session, !gone);
  useEffect(() => {
    if (gone) setClipboardOpen(false);
    if (gone) setFilesOpen(false);
  }, [gone]);

  useEffect(() => {
    const onChange = (): void => setFullscreen(document.fullscreenElement === rootRef.current);
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);

  const toggleFullscreen = (): void => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else rootRef.current?.requestFullscreen().catch((e: unknown) => console.warn('Full screen refused', e));
  };

  const conn = (): ViewerConnection | undefined => connRef.current;

  return (
    <div class="viewer" ref={rootRef} data-state={state.kind}>
      <ViewerToolbar
        title={poolName ?? 'Desktop'}
        state={state}
        clipboardOpen={clipboardOpen}
        fullscreen={fullscreen}
        {...(clipboard
          ? {
              onClipboard: () => {
                setClipboardOpen((open) => !open);
                setFilesOpen(false);
              },
            }
          : {})}
        filesOpen={filesOpen}
        {...((ownDesktop && extras) || (machine && policy && (policy.fileUpload || policy.fileDownload))
          ? {
              onFiles: () => {
                setFilesOpen((open) => !open);
                setClipboardOpen(false);
              },
            }
          : {})}
        onCtrlAltDel={() => {
          conn()?.sendCtrlAltDel();
          conn()?.focus();
        }}
        onFullscreen={toggleFullscreen}
        onDisconnect={() => conn()?.disconnect()}
        badge={<RecordingBadge active={recording.active} />}
        sound={
          extras && (
            <SoundControl
              // Sound through guacd, with the display (guacSound.ts), not /ws/audio (docs/audio.md).
              key={guacAudio ? 'guac' : 'own'}
              ticket={() => createAudioTicket(sessionId)}
              disabled={gone}
              {...(guacAudio ? { source: (onState: (s: SoundState) => void) => guacSound.player(onState) } : {})}
            />
          )
        }
      />
      <ShadowBanner shadows={shadows.approved} onStop={shadows.end} />
      <div class="viewer__stage" ref={stageRef}>
        {/* noVNC owns this element's children; Preact never renders into it. */}
        <div class="viewer__screen" ref={screenRef} data-testid="viewer" data-session-id={sessionId} />
        <ViewerOverlay
          state={state}
          graceS={about?.graceS}
          onReconnect={() => conn()?.reconnectNow()}
          {...(recording.expected ? { notice: RECORDING_NOTICE } : {})}
        />
        {clipboardOpen && (
          <div id="viewer-clipboard-panel" class="viewer__side">
            <ClipboardPanel
              text={clipText}
              receivedAt={clipAt}
              connected={state.kind === 'connected'}
              {...(policy ? { mode: policy.clipboard, maxKb: policy.clipboardMaxKb } : {})}
              onText={setClipText}
              onSend={(text) => {
                conn()?.pasteToRemote(text);
              }}
              onClose={() => {
                setClipboardOpen(false);
                conn()?.focus();
              }}
            />
          </div>
        )}
        {((ownDesktop && extras) || machine) && !gone && (
          <ViewerFiles
            openSource={openFiles}
            open={filesOpen}
            onOpen={() => (setFilesOpen(true), setClipboardOpen(false))}
            onClose={() => {
              setFilesOpen(false);
              conn()?.focus();
            }}
            stage={stageRef}
            uploadsOff={uploadsOff}
          />
        )}
      </div>
      {shadows.prompt && <ShadowPrompt shadow={shadows.prompt} onAnswer={shadows.answer} />}
    </div>
  );
}
