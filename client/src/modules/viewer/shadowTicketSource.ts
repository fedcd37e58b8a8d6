// Tickets for a helpdesk shadow: each attempt first checks the shadow is still approved (an ended or
// denied one ends the viewer), then asks POST /shadows/:id/tickets. The gateway closes a shadow's
// display with DisplayClose.ShadowEnded when the shadow ends.
import { DisplayClose } from '../../../../contract/display.ts';
import { createShadowTicket, getShadow, type Shadow, type ShadowMode } from '../../api/shadows.ts';
import type { Preflight, TicketSource } from './connection.ts';

export const SHADOW_ENDED = 'The shadow session ended';

export function shadowPreflight(shadow: Shadow): Preflight {
  if (shadow.state === 'approved') return { kind: 'open' };
  if (shadow.state === 'pending') return { kind: 'retry' };
  return { kind: 'ended', message: shadow.state === 'denied' ? 'The person denied this request.' : SHADOW_ENDED };
}

export function shadowTicketSource(shadowId: string, mode: ShadowMode, onShadow?: (shadow: Shadow) => void): TicketSource {
  return {
    async preflight() {
      const shadow = await getShadow(shadowId);
      onShadow?.(shadow);
      return shadowPreflight(shadow);
    },
    ticket: () => createShadowTicket(shadowId),
    endCodes: { [DisplayClose.ShadowEnded]: SHADOW_ENDED },
    resizeSession: false,
    viewOnly: mode === 'view',
  };
}
