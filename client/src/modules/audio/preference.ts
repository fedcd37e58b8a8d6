// The person's sound choice, remembered per browser: on or off (off until they first turn it on)
// and the volume. Storage may be unavailable (private windows, policies): then nothing is remembered.

const KEY = 'deskport.sound';

export interface SoundPreference {
  on: boolean;
  /** 0..1 */
  volume: number;
}

export const DEFAULT_PREFERENCE: SoundPreference = { on: false, volume: 0.8 };

export function loadPreference(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): SoundPreference {
  try {
    const raw = JSON.parse(storage?.getItem(KEY) ?? 'null') as Partial<SoundPreference> | null;
    const volume = typeof raw?.volume === 'number' && raw.volume >= 0 && raw.volume <= 1 ? raw.volume : DEFAULT_PREFERENCE.volume;
    return { on: raw?.on === true, volume };
  } catch {
    return DEFAULT_PREFERENCE;
  }
}

export function savePreference(p: SoundPreference, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(KEY, JSON.stringify(p));
  } catch {
    // not remembered; the choice still holds on this page
  }
}
