// Where a display ticket is opened: /ws/vnc?ticket=… for VNC desktops, /ws/rdp?token=… for RDP
// desktops and existing machines, the token being guacamole-lite's wrapping of the ticket alone (server/guac/token.ts).
import type { ViewerProtocol } from '../../contract/ids.ts';
import type { GuacTokens } from '../guac/token.ts';
import type { Store } from '../store/types.ts';

export type DisplayUrl = (sessionId: string, ticket: string) => Promise<{ url: string; protocol: ViewerProtocol }>;

export function createDisplayUrl(o: { store: Store; tokens: GuacTokens }): DisplayUrl {
  return async (sessionId, ticket) => {
    const s = await o.store.getSession(sessionId);
    // Existing machines are always shown through guacd, whatever they speak.
    const machine = s?.machineId ? await o.store.getMachine(s.machineId) : null;
    if (machine) return { url: `/ws/rdp?token=${encodeURIComponent(o.tokens.mint(ticket))}`, protocol: machine.protocol };
    const pool = s?.poolId ? await o.store.getPool(s.poolId) : null;
    if (pool?.protocol === 'rdp') return { url: `/ws/rdp?token=${encodeURIComponent(o.tokens.mint(ticket))}`, protocol: 'rdp' };
    return { url: `/ws/vnc?ticket=${ticket}`, protocol: 'vnc' };
  };
}
