// The small list of the player's keyboard shortcuts (from the one table in modules/recording/shortcuts.ts).
import { SHORTCUTS } from '../../modules/recording/shortcuts.ts';

export function ShortcutHelp({ onClose }: { onClose(): void }) {
  return (
    <div class="player-help card" role="dialog" aria-label="Keyboard shortcuts" data-testid="player-help">
      <div class="player-help__head">
        <strong>Keyboard shortcuts</strong>
        <button type="button" class="btn btn--ghost btn--sm" onClick={onClose} aria-label="Close the shortcuts">
          ✕
        </button>
      </div>
      <dl class="player-help__list">
        {SHORTCUTS.map((s) => (
          <div key={s.keys}>
            <dt>
              <kbd>{s.keys}</kbd>
            </dt>
            <dd>{s.does}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
