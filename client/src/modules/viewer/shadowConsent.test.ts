import { describe, expect, it } from 'vitest';
import type { Shadow } from '../../api/shadows.ts';
import { applyShadow, approvedShadows, bannerText, fromList, NO_SHADOWS, promptFor, promptText } from './shadowConsent.ts';
import { shadowPreflight } from './shadowTicketSource.ts';

const base: Shadow = {
  id: 'sh-1',
  sessionId: 's-1',
  requesterId: 'u-h',
  requesterName: 'hana',
  requesterDisplayName: 'Hana Helper',
  mode: 'view',
  reason: 'Ticket 42',
  state: 'pending',
  createdAt: 1000,
  consent: 'owner',
};
const shadow = (over: Partial<Shadow>): Shadow => ({ ...base, ...over });

describe('consent prompt state', () => {
  it('prompts for the oldest pending request, and not again once answered', () => {
    let m = applyShadow(NO_SHADOWS, shadow({ id: 'b', createdAt: 2000 }));
    m = applyShadow(m, shadow({ id: 'a', createdAt: 1000 }));
    expect(promptFor(m)?.id).toBe('a');
    expect(promptFor(m, new Set(['a']))?.id).toBe('b');
  });

  it('moves an approved request to the banner and drops denied or ended ones', () => {
    let m = applyShadow(NO_SHADOWS, shadow({}));
    m = applyShadow(m, shadow({ state: 'approved' }));
    expect(promptFor(m)).toBeUndefined();
    expect(approvedShadows(m).map((s) => s.id)).toEqual(['sh-1']);
    m = applyShadow(m, shadow({ state: 'ended' }));
    expect(approvedShadows(m)).toEqual([]);
    expect(applyShadow(NO_SHADOWS, shadow({ state: 'denied' }))).toBe(NO_SHADOWS);
  });

  it('ignores a late "pending" after the approval', () => {
    const m = applyShadow(NO_SHADOWS, shadow({ state: 'approved' }));
    expect(applyShadow(m, shadow({ state: 'pending' }))).toBe(m);
  });

  it('replaces what is known with the loaded list (a request from before the page opened)', () => {
    const m = fromList([shadow({ id: 'x' }), shadow({ id: 'y', state: 'ended' })]);
    expect([...m.keys()]).toEqual(['x']);
    expect(promptFor(m)?.id).toBe('x');
  });

  it('words the prompt and the banner by mode', () => {
    expect(promptText(shadow({}))).toBe('Hana Helper (helpdesk) asks to see your desktop');
    expect(promptText(shadow({ mode: 'control' }))).toBe('Hana Helper (helpdesk) asks to see and control your desktop');
    expect(bannerText(shadow({}))).toBe('Hana Helper is watching your desktop');
    expect(bannerText(shadow({ mode: 'control' }))).toBe('Hana Helper can see and control your desktop');
  });
});

describe('shadow ticket preflight', () => {
  it('opens only approved shadows', () => {
    expect(shadowPreflight(shadow({ state: 'approved' }))).toEqual({ kind: 'open' });
    expect(shadowPreflight(shadow({ state: 'pending' }))).toEqual({ kind: 'retry' });
    expect(shadowPreflight(shadow({ state: 'ended' }))).toEqual({ kind: 'ended', message: 'The shadow session ended' });
    expect(shadowPreflight(shadow({ state: 'denied' })).kind).toBe('ended');
  });
});
