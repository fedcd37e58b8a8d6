// Which actions a session row offers. A lost session is not over (its host may come back, and
// the gateway lets it go lost -> ready), so it can still be ended: End is offered for it.
import { isFinal, type SessionState } from '../api/desktops.ts';

/** End is offered for every session that is not over; while ending it shows, disabled. */
export function offersEnd(state: SessionState): boolean {
  return !isFinal(state);
}
