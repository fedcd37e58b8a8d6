// The toolbar's sound control: a speaker button (off until the person clicks it: browsers start sound
// only on a gesture) and, while on, a volume slider. The choice is remembered per browser; when it
// was on, sound comes back at the person's first click or key press on the page.
import { useEffect, useRef, useState } from 'preact/hooks';
import { SoundPlayer, type SoundState } from '../../modules/audio/player.ts';
import { loadPreference, savePreference } from '../../modules/audio/preference.ts';

/** What the button drives: SoundPlayer (/ws/audio), or guacSound's player for displays through guacd. */
export interface SoundSource {
  unmute(): Promise<void> | void;
  mute(): void;
  setVolume(v: number): void;
}

interface Props {
  /** A fresh sound ticket's /ws/audio path. */
  ticket(): Promise<{ url: string }>;
  /** Another source of sound instead of /ws/audio (existing machines: client/src/modules/audio/guacSound.ts). */
  source?: (onState: (s: SoundState) => void) => SoundSource & { dispose?(): void };
  /** No desktop behind the page (any more): nothing to hear. */
  disabled?: boolean;
}

const ICON = {
  speaker: 'M4 9.5h3.5L12 5.5v13l-4.5-4H4z',
  waves: 'M15.5 9a4 4 0 0 1 0 6M18 6.5a7.5 7.5 0 0 1 0 11',
  off: 'M16 9.5l5 5M21 9.5l-5 5',
};

function SpeakerIcon({ on }: { on: boolean }) {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
      <path d={ICON.speaker} fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" />
      <path d={on ? ICON.waves : ICON.off} fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
    </svg>
  );
}

export function SoundControl({ ticket, disabled, source }: Props) {
  const [pref, setPref] = useState(loadPreference);
  const [state, setState] = useState<SoundState>({ kind: 'muted' });
  const player = useRef<SoundSource | undefined>(undefined);
  const ticketRef = useRef(ticket);
  ticketRef.current = ticket;

  useEffect(() => {
    const p = source ? source(setState) : new SoundPlayer({ ticket: () => ticketRef.current(), onState: setState });
    player.current = p;
    p.setVolume(pref.volume);
    return () => {
      p.mute();
      (p as { dispose?(): void }).dispose?.();
    };
  }, []);

  // Remembered "on": resume at the first gesture on the page (a click into the desktop counts).
  useEffect(() => {
    if (!pref.on || disabled || state.kind !== 'muted') return;
    const resume = (): void => void player.current?.unmute();
    document.addEventListener('pointerdown', resume, { once: true, capture: true });
    document.addEventListener('keydown', resume, { once: true, capture: true });
    return () => {
      document.removeEventListener('pointerdown', resume, { capture: true });
      document.removeEventListener('keydown', resume, { capture: true });
    };
  }, [pref.on, disabled, state.kind]);

  useEffect(() => {
    if (disabled) player.current?.mute();
  }, [disabled]);

  const on = state.kind !== 'muted' && state.kind !== 'unavailable';
  const toggle = (): void => {
    const next = { ...pref, on: !on };
    setPref(next);
    savePreference(next);
    if (on) player.current?.mute();
    else void player.current?.unmute();
  };
  const setVolume = (volume: number): void => {
    const next = { ...pref, volume };
    setPref(next);
    savePreference(next);
    player.current?.setVolume(volume);
  };

  const label = on ? 'Mute the desktop’s sound' : 'Play the desktop’s sound';
  const note =
    state.kind === 'unavailable'
      ? state.message
      : state.kind === 'starting'
        ? 'Starting sound…'
        : state.kind === 'retrying'
          ? 'Sound reconnecting…'
          : pref.on && state.kind === 'muted' && !disabled
            ? 'Sound resumes at your next click'
            : undefined;
  return (
    <span class="sound-control" data-testid="sound-control" data-sound-state={state.kind}>
      <button
        type="button"
        class={`tb-btn${on ? ' is-on' : ''}`}
        aria-pressed={on}
        aria-label={label}
        title={label}
        disabled={disabled}
        onClick={toggle}
        data-testid="sound-toggle"
      >
        <SpeakerIcon on={on} />
        Sound
      </button>
      {on && (
        <input
          type="range"
          class="sound-control__volume"
          min="0"
          max="100"
          step="1"
          value={Math.round(pref.volume * 100)}
          aria-label="Volume"
          data-testid="sound-volume"
          onInput={(e) => setVolume(Number((e.currentTarget as HTMLInputElement).value) / 100)}
        />
      )}
      {note && (
        <span class={`sound-control__note${state.kind === 'unavailable' ? ' is-error' : ''}`} role="status" data-testid="sound-note">
          {note}
        </span>
      )}
    </span>
  );
}
