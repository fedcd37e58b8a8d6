// The player's control bar: play/pause, a seek bar with current and total time, the speed, and a
// button for the keyboard shortcuts. While the bar is dragged it shows the drag, not the player.
import { useState } from 'preact/hooks';
import { SPEEDS, type PlayerSnapshot, type Speed } from '../../modules/recording/player.ts';
import { clockTime } from '../../modules/recording/shortcuts.ts';

interface Props {
  s: PlayerSnapshot;
  playing: boolean;
  onToggle(): void;
  onSeek(ms: number): void;
  onSpeed(speed: Speed): void;
  onHelp(): void;
}

export function PlayerControls({ s, playing, onToggle, onSeek, onSpeed, onHelp }: Props) {
  const [drag, setDrag] = useState<number>();
  const shown = drag ?? s.positionMs;
  const ended = s.status === 'ended';
  return (
    <div class="player-controls" data-testid="player-controls">
      <button
        type="button"
        class="btn btn--primary btn--sm player-controls__play"
        onClick={onToggle}
        aria-label={playing ? 'Pause' : ended ? 'Play again' : 'Play'}
        title={playing ? 'Pause (Space)' : 'Play (Space)'}
        data-testid="player-toggle"
      >
        {playing ? '❚❚' : ended ? '↻' : '▶'}
      </button>
      <span class="player-controls__time mono" data-testid="player-time">
        {clockTime(shown)}
      </span>
      <input
        type="range"
        class="player-controls__seek"
        min={0}
        max={Math.max(1, s.durationMs)}
        step={100}
        value={shown}
        aria-label="Position in the recording"
        aria-valuetext={`${clockTime(shown)} of ${clockTime(s.durationMs)}`}
        data-testid="player-seek"
        onInput={(ev) => setDrag(Number(ev.currentTarget.value))}
        onChange={(ev) => {
          setDrag(undefined);
          onSeek(Number(ev.currentTarget.value));
        }}
      />
      <span class="player-controls__time mono muted" data-testid="player-duration">
        {clockTime(s.durationMs)}
      </span>
      <label class="player-controls__speed">
        <span class="visually-hidden">Speed</span>
        <select
          class="input input--sm"
          value={String(s.speed)}
          onChange={(ev) => onSpeed(Number(ev.currentTarget.value) as Speed)}
          data-testid="player-speed"
          title="Speed (keys 1–5)"
        >
          {SPEEDS.map((sp) => (
            <option key={sp} value={String(sp)}>
              {sp}×
            </option>
          ))}
        </select>
      </label>
      <button type="button" class="btn btn--ghost btn--sm" onClick={onHelp} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)">
        ⌨ ?
      </button>
    </div>
  );
}
