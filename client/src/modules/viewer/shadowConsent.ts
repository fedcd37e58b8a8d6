// The owner's view of shadow requests on their session: which ones are waiting for an answer (the
// consent prompt shows the oldest), and which are approved (the banner). Pure, so it is tested
// without a browser; denied and ended shadows drop out.
import type { Shadow } from '../../api/shadows.ts';

export type ShadowMap = ReadonlyMap<string, Shadow>;

export const NO_SHADOWS: ShadowMap = new Map();

function isOpen(s: Shadow): boolean {
  return s.state === 'pending' || s.state === 'approved';
}

/** One shadow changed. A change older than what is known (by decision/end time) still wins if it closes it. */
export function applyShadow(map: ShadowMap, shadow: Shadow): ShadowMap {
  const next = new Map(map);
  if (isOpen(shadow)) {
    const known = map.get(shadow.id);
    // An approval never goes back to pending (a late "created" event after the approval).
    if (known?.state === 'approved' && shadow.state === 'pending') return map;
    next.set(shadow.id, shadow);
  } else {
    if (!map.has(shadow.id)) return map;
    next.delete(shadow.id);
  }
  return next;
}

/** The gateway's current list replaces what was known. */
export function fromList(shadows: readonly Shadow[]): ShadowMap {
  return new Map(shadows.filter(isOpen).map((s) => [s.id, s]));
}

const byCreated = (a: Shadow, b: Shadow): number => (a.createdAt ?? 0) - (b.createdAt ?? 0);

/** The request to ask about now: the oldest pending one, minus any the person just answered. */
export function promptFor(map: ShadowMap, answered: ReadonlySet<string> = new Set()): Shadow | undefined {
  return [...map.values()].filter((s) => s.state === 'pending' && !answered.has(s.id)).sort(byCreated)[0];
}

/** Approved shadows, oldest first: who can see (or control) the desktop right now. */
export function approvedShadows(map: ShadowMap): Shadow[] {
  return [...map.values()].filter((s) => s.state === 'approved').sort(byCreated);
}

export function promptText(s: Shadow): string {
  return `${s.requesterDisplayName} (helpdesk) asks to ${s.mode === 'control' ? 'see and control' : 'see'} your desktop`;
}

export function bannerText(s: Shadow): string {
  return s.mode === 'control'
    ? `${s.requesterDisplayName} can see and control your desktop`
    : `${s.requesterDisplayName} is watching your desktop`;
}
