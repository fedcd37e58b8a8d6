// One recording played in the browser (admin and helpdesk): who, where and when above, the screen,
// the controls and the keyboard shortcuts below. Progress shows whenever loading or a seek takes
// longer than half a second; a damaged or missing file says up to where it plays.
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage } from '../api/client.ts';
import { getRecording, recordingSha256, type Recording } from '../api/recordings.ts';
import { Alert } from '../components/Alert.tsx';
import { Button } from '../components/Button.tsx';
import { Link } from '../components/Link.tsx';
import { DownloadDialog } from '../components/recording/DownloadDialog.tsx';
import { PlayerControls } from '../components/recording/PlayerControls.tsx';
import { KIND_LABEL } from '../components/recording/RecordingsTable.tsx';
import { ShortcutHelp } from '../components/recording/ShortcutHelp.tsx';
import { PageLoading, Spinner } from '../components/Spinner.tsx';
import { openPlayer, problemText, unpublish } from '../modules/recording/openPlayer.ts';
import type { Player, PlayerSnapshot } from '../modules/recording/player.ts';
import { actionFor, skipTarget } from '../modules/recording/shortcuts.ts';
import { paths } from '../modules/router.ts';
import { formatDateTime } from '../modules/time.ts';

/** Progress appears only for waits longer than this. */
const PROGRESS_AFTER_MS = 500;

function useSlow(busy: boolean): boolean {
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    if (!busy) return setSlow(false);
    const id = setTimeout(() => setSlow(true), PROGRESS_AFTER_MS);
    return () => clearTimeout(id);
  }, [busy]);
  return slow;
}

function Info({ rec, onDownload }: { rec: Recording; onDownload(): void }) {
  return (
    <div class="player-info card" data-testid="player-info">
      <dl class="player-info__list">
        <div>
          <dt>User</dt>
          <dd>{rec.username ?? 'deleted user'}</dd>
        </div>
        <div>
          <dt>{rec.machineName && !rec.poolName ? 'Machine' : 'Pool'}</dt>
          <dd>{rec.poolName ?? rec.machineName ?? '—'}</dd>
        </div>
        <div>
          <dt>Host</dt>
          <dd class="mono">{rec.hostId ?? '—'}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{formatDateTime(rec.startedAt)}</dd>
        </div>
        <div class="player-info__sum">
          <dt>SHA-256</dt>
          <dd class="mono" data-testid="player-sha256">
            {recordingSha256(rec) ?? (rec.live ? 'computed when the recording ends' : `one per part (${rec.parts.length}): see Download`)}
          </dd>
        </div>
      </dl>
      <Button size="sm" onClick={onDownload} data-testid="player-download">
        Download
      </Button>
    </div>
  );
}

export function PlayerPage({ recordingId }: { recordingId: string }) {
  const stageRef = useRef<HTMLDivElement>(null);
  const [rec, setRec] = useState<Recording>();
  const [error, setError] = useState<string>();
  const [player, setPlayer] = useState<Player>();
  const [snap, setSnap] = useState<PlayerSnapshot>();
  const [help, setHelp] = useState(false);
  const [download, setDownload] = useState(false);
  const [wantPlay, setWantPlay] = useState(false);

  useEffect(() => {
    const ac = new AbortController();
    getRecording(recordingId, ac.signal).then(setRec, (e: unknown) => !ac.signal.aborted && setError(errorMessage(e)));
    return () => ac.abort();
  }, [recordingId]);

  useEffect(() => {
    const stage = stageRef.current;
    if (!rec || !stage) return;
    const ac = new AbortController();
    let p: Player | undefined;
    openPlayer(rec, stage, ac.signal).then(
      (opened) => {
        if (ac.signal.aborted) return opened.destroy();
        p = opened;
        setPlayer(opened);
        opened.subscribe(setSnap);
        setSnap(opened.snapshot());
        if (rec.kind === 'rfb') opened.seek(0);
      },
      (e: unknown) => !ac.signal.aborted && setError(errorMessage(e)),
    );
    return () => {
      ac.abort();
      p?.destroy();
      unpublish();
    };
  }, [rec]);

  // The position moves without events: read it a few times a second while playing.
  useEffect(() => {
    if (!player || snap?.status !== 'playing') return;
    const id = setInterval(() => setSnap(player.snapshot()), 200);
    return () => clearInterval(id);
  }, [player, snap?.status]);

  const toggle = (): void => {
    if (!player) return;
    const s = player.snapshot();
    const playing = s.status === 'playing' || (wantPlay && s.busy);
    setWantPlay(!playing);
    if (playing) player.pause();
    else player.play();
  };

  useEffect(() => {
    if (!player) return;
    const onKey = (ev: KeyboardEvent): void => {
      const t = ev.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA') && ev.key !== ' ') return;
      const s = player.snapshot();
      const a = actionFor(ev, s.durationMs);
      if (!a) return;
      ev.preventDefault();
      if (a.kind === 'toggle') toggle();
      else if (a.kind === 'skip') player.seek(skipTarget(s.positionMs, a.ms, s.durationMs));
      else if (a.kind === 'speed') player.setSpeed(a.speed);
      else setHelp((h) => !h);
      setSnap(player.snapshot());
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [player, wantPlay]);

  const busy = !snap || snap.busy;
  const slow = useSlow(busy);
  const playing = snap?.status === 'playing' || (wantPlay && busy && !snap?.problem);

  if (error) {
    return (
      <Alert title="This recording cannot be opened" action={<Link href={paths.recordings()}>Back to recordings</Link>}>
        {error}
      </Alert>
    );
  }
  if (!rec) return <PageLoading label="Loading the recording…" />;
  return (
    <div class="player-page" data-testid="player-page">
      <div class="player-page__title">
        <Link href={paths.recordings()} class="muted small">
          ← Recordings
        </Link>
        <h1>
          {KIND_LABEL[rec.kind]} recording of {rec.username ?? 'a deleted user'}
        </h1>
      </div>
      <Info rec={rec} onDownload={() => setDownload(true)} />
      {snap?.problem && (
        <div data-testid="player-problem">
          <Alert title="Playback stops here">{problemText(snap.problem)}</Alert>
        </div>
      )}
      <div class="player-stage-wrap">
        <div class="player-stage" ref={stageRef} data-testid="player-stage" />
        {slow && (
          <div class="player-progress" role="status" data-testid="player-progress">
            <Spinner light size={22} label="Loading" />
            <span>{snap?.status === 'loading' || !snap ? 'Loading the recording…' : 'Seeking…'}</span>
            {snap?.progress !== undefined && <progress max={1} value={snap.progress} />}
          </div>
        )}
        {help && <ShortcutHelp onClose={() => setHelp(false)} />}
      </div>
      {snap && (
        <PlayerControls
          s={snap}
          playing={playing}
          onToggle={toggle}
          onSeek={(ms) => player?.seek(ms)}
          onSpeed={(sp) => player?.setSpeed(sp)}
          onHelp={() => setHelp((h) => !h)}
        />
      )}
      {download && <DownloadDialog recording={rec} onClose={() => setDownload(false)} />}
    </div>
  );
}
