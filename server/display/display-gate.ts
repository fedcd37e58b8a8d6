// What every display WebSocket (/ws/vnc, /ws/rdp) does around its own protocol: the Origin check,
// admission, ticket redemption (the only credential; consumed atomically), and once upgraded the
// viewer's registration (grace timers, session end), activity and the audit of shadow displays.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Broker } from '../broker/broker.ts';
import type { Redemption, Refusal } from '../broker/display-tickets.ts';
import type { Viewers } from '../broker/viewers.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { closeWs, refuseUpgrade } from '../util/ws.ts';

export interface DisplayGateDeps {
  broker: Broker;
  viewers: Viewers;
  log: Logger;
  metrics: Metrics;
  activity: (sessionId: string) => void;
  /** Whether a browser page from `origin` may open displays here. */
  originAllowed: (req: IncomingMessage, origin: string) => boolean;
  /** Why a new display must be refused right now (overload), or null. */
  admission?: () => string | null;
  /** A helpdesk display opened on an approved shadow (audited as its start). */
  onShadowDisplay?: (shadowId: string, userId: string) => Promise<void>;
}

export type Redeemed = Extract<Redemption, { ok: true }>;

/** The one place a refused ticket becomes the upgrade's HTTP status. */
const UPGRADE_STATUS: Record<Refusal['kind'], number> = { unauthenticated: 401, forbidden: 403 };

export interface DisplayGate {
  /**
   * Origin, then admission: both before the ticket is touched, so the viewer's retry can still use
   * it. False when the upgrade was refused (already answered).
   */
  precheck(req: IncomingMessage, socket: Duplex): boolean;
  /** Consumes the ticket; null when refused (already answered with 401/403 and the reason). */
  redeem(req: IncomingMessage, socket: Duplex, ticket: string): Promise<Redeemed | null>;
  /**
   * Registers an upgraded display as the session's viewer until `browser` closes: the broker's
   * attach/detach bookkeeping and the shadow audit. `left()` says whether the browser has gone.
   */
  attach(browser: WebSocket, r: Redeemed, log: Logger): { left(): boolean };
}

export function createDisplayGate(deps: DisplayGateDeps): DisplayGate {
  const { log } = deps;
  return {
    precheck(req, socket) {
      const origin = req.headers.origin;
      if (origin !== undefined && !deps.originAllowed(req, origin)) {
        refuseUpgrade(socket, 403, 'display connections must come from the gateway’s own pages');
        return false;
      }
      const busy = deps.admission?.();
      if (busy) {
        deps.metrics.displayRefused();
        log.warn({ reason: busy }, 'display refused: overloaded');
        refuseUpgrade(socket, 503, busy);
        return false;
      }
      return true;
    },

    async redeem(req, socket, ticket) {
      const r = await deps.broker.redeem(ticket, req.socket.remoteAddress ?? null);
      if (r.ok) return r;
      refuseUpgrade(socket, UPGRADE_STATUS[r.kind], r.reason);
      return null;
    },

    attach(browser, r, slog) {
      const { session, mode, userId, shadowId } = r;
      if (shadowId) void deps.onShadowDisplay?.(shadowId, userId)?.catch((err: unknown) => slog.warn({ err }, 'shadow bookkeeping failed'));
      // Closing the browser side with our code is enough: each endpoint then closes its desktop side.
      const viewer = {
        userId,
        mode,
        ...(shadowId ? { shadowId } : {}),
        close: (code: number, reason: string) => closeWs(browser, code, reason),
      };
      deps.viewers.add(session.id, viewer);
      void deps.broker.viewerAttached(session.id).catch((err) => slog.warn({ err }, 'attach bookkeeping failed'));
      let gone = false;
      browser.once('close', () => {
        if (gone) return;
        gone = true;
        deps.viewers.remove(session.id, viewer);
        void deps.broker.viewerDetached(session.id).catch((err) => slog.warn({ err }, 'detach bookkeeping failed'));
      });
      return { left: () => gone };
    },
  };
}
