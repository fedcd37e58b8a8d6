import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFERENCE, loadPreference, savePreference } from './preference.ts';

const memory = () => {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
};

describe('the sound preference', () => {
  it('is off until the person turns sound on, then remembered with the volume', () => {
    const s = memory();
    expect(loadPreference(s)).toEqual(DEFAULT_PREFERENCE);
    savePreference({ on: true, volume: 0.3 }, s);
    expect(loadPreference(s)).toEqual({ on: true, volume: 0.3 });
  });

  it('ignores junk and a storage that throws', () => {
    const s = memory();
    s.setItem('deskport.sound', '{"on":"yes","volume":7}');
    expect(loadPreference(s)).toEqual(DEFAULT_PREFERENCE);
    const broken = {
      getItem: () => {
        throw new Error('denied');
      },
    };
    expect(loadPreference(broken)).toEqual(DEFAULT_PREFERENCE);
  });
});
