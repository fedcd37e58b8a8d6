// The player's keyboard shortcuts as data: one table the help lists and one pure function the page
// calls on keydown, so the help and the behaviour cannot drift apart.
import { SPEEDS, type Speed } from './player.ts';

export type PlayerAction = { kind: 'toggle' } | { kind: 'skip'; ms: number } | { kind: 'speed'; speed: Speed } | { kind: 'help' };

export const SHORTCUTS: readonly { keys: string; does: string }[] = [
  { keys: 'Space or K', does: 'Play / pause' },
  { keys: '← / →', does: 'Back / forward 10 s' },
  { keys: 'Shift + ← / →', does: 'Back / forward 60 s' },
  { keys: '1 – 5', does: `Speed ${SPEEDS.map((s) => `${s}×`).join(', ')}` },
  { keys: 'Home / End', does: 'Start / end' },
  { keys: '?', does: 'Show these shortcuts' },
];

interface KeyLike {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
}

/** What a key press means to the player; undefined leaves the key to the page. */
export function actionFor(ev: KeyLike, durationMs: number): PlayerAction | undefined {
  if (ev.ctrlKey || ev.altKey || ev.metaKey) return undefined;
  switch (ev.key) {
    case ' ':
    case 'k':
    case 'K':
      return { kind: 'toggle' };
    case 'ArrowLeft':
      return { kind: 'skip', ms: ev.shiftKey ? -60_000 : -10_000 };
    case 'ArrowRight':
      return { kind: 'skip', ms: ev.shiftKey ? 60_000 : 10_000 };
    case 'Home':
      return { kind: 'skip', ms: -Infinity };
    case 'End':
      return { kind: 'skip', ms: durationMs };
    case '?':
      return { kind: 'help' };
    default: {
      const n = Number(ev.key);
      const speed = Number.isInteger(n) ? SPEEDS[n - 1] : undefined;
      return speed === undefined ? undefined : { kind: 'speed', speed };
    }
  }
}

/** The position a skip lands on, inside the recording. */
export function skipTarget(positionMs: number, ms: number, durationMs: number): number {
  if (ms === -Infinity) return 0;
  return Math.max(0, Math.min(durationMs, ms === durationMs ? durationMs : positionMs + ms));
}

/** "4:05" or "1:02:03" for the seek bar. */
export function clockTime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
