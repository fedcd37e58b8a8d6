import { describe, expect, it } from 'vitest';
import { FINAL_SESSION_STATES, SESSION_STATES } from '../../../contract/ids.ts';
import { decodeSession, isFinal, isLive } from '../api/desktops.ts';
import { offersEnd } from './sessionActions.ts';

describe('session actions', () => {
  it('offers End for a lost session: its host may return, so it is not over', () => {
    expect(isFinal('lost')).toBe(false);
    expect(offersEnd('lost')).toBe(true);
  });

  it('offers End for live sessions and never for ended or failed ones', () => {
    expect(SESSION_STATES.filter(offersEnd)).toEqual(['starting', 'ready', 'ending', 'lost']);
    for (const s of FINAL_SESSION_STATES) expect(offersEnd(s)).toBe(false);
  });

  it('counts a lost session as neither live nor final', () => {
    const lost = decodeSession({
      session: { id: 's', poolId: 'p', protocol: 'vnc', userId: 'u', state: 'lost', createdAt: '2026-01-01T09:00:00.000Z', viewers: 0 },
    });
    expect(isLive(lost)).toBe(false);
    expect(isFinal(lost.state)).toBe(false);
    expect(lost.createdAt).toBe(Date.parse('2026-01-01T09:00:00.000Z'));
  });
});
