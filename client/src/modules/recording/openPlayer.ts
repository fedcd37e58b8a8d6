// Picks and loads the right player for a recording (noVNC for `.dprec`, guacamole-common-js for
// `.guac`), each as its own lazily loaded chunk, and publishes a test hook while the page is open.
import { getRecordingIndex, type Recording } from '../../api/recordings.ts';
import { httpPartSource, partUrl } from './httpSource.ts';
import type { Player, PlayerProblem, PlayerSnapshot } from './player.ts';
import { clockTime } from './shortcuts.ts';

/** Test hook: `window.__deskportPlayer` while a player page is open (no secrets in it). */
export interface PlayerDebug {
  snapshot(): PlayerSnapshot;
  /** The canvas on screen (VNC), for pixel checks. */
  canvas(): HTMLCanvasElement | null;
  player: Player;
}

declare global {
  interface Window {
    __deskportPlayer?: PlayerDebug;
  }
}

export async function openPlayer(rec: Recording, stage: HTMLElement, signal: AbortSignal): Promise<Player> {
  if (rec.kind === 'guac') {
    const { GuacPlayer } = await import('./guacPlayer.ts');
    const p = new GuacPlayer({ stage, url: partUrl(rec.id, 0), sizeBytes: rec.sizeBytes, durationMs: rec.durationMs });
    publish(p, () => stage.querySelector('canvas'));
    return p;
  }
  const [{ default: RFB }, { VncPlayer }, index] = await Promise.all([
    import('@novnc/novnc'),
    import('./vncPlayer.ts'),
    getRecordingIndex(rec.id, signal),
  ]);
  const p = new VncPlayer({
    RFB,
    stage,
    source: httpPartSource(rec.id),
    segments: index.segments,
    partStarts: index.partStarts,
    // While recording, more parts may appear: the index knows the ones on disk now.
    parts: Math.max(rec.parts.length, index.partStarts.length, 1),
    durationMs: index.durationMs || rec.durationMs,
  });
  publish(p, () => p.canvas());
  return p;
}

function publish(player: Player, canvas: () => HTMLCanvasElement | null): void {
  window.__deskportPlayer = { snapshot: () => player.snapshot(), canvas, player };
}

export function unpublish(): void {
  delete window.__deskportPlayer;
}

/** The one sentence the page shows when playback cannot go on. */
export function problemText(p: PlayerProblem): string {
  switch (p.kind) {
    case 'damaged':
      return p.afterMs > 0
        ? `This recording's file is damaged after ${clockTime(p.afterMs)}; playback stops there. Play or download what comes before it.`
        : "This recording's file is damaged at its start and cannot be played. Download it to keep a copy, or delete it.";
    case 'missing':
      return p.afterMs > 0
        ? `Part of this recording's file is missing after ${clockTime(p.afterMs)}; playback stops there. It may have been removed from the recordings directory.`
        : "This recording's file is missing from the gateway's recordings directory. It may have been removed; ask an administrator.";
    case 'failed':
      return `This recording cannot be played: ${p.message}. Reload the page to try again, or download the file.`;
  }
}
