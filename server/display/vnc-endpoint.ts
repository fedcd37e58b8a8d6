// /ws/vnc: the browser's display WebSocket. Checks Origin, redeems the one-time ticket (the only
// credential; no client-chosen target), asks for a stream to the desktop (see gateway.ts: openDesktop), and runs the
// RFB-terminating relay in the ticket's mode. Viewers are registered for grace and session end.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { DisplayClose } from '../../contract/display.ts';
import type { Broker, Refusal } from '../broker/broker.ts';
import type { Viewers } from '../broker/viewers.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { DesktopLink } from '../relay/desktop-link.ts';
import { startVncRelay } from '../relay/vnc-relay.ts';
import type { Desktop } from '../store/types.ts';
import { closeWs, refuseUpgrade, upgradePath } from '../util/ws.ts';

export interface VncEndpointDeps {
  broker: Broker;
  /** A byte stream to the desktop's VNC server, wherever its host is. */
  openDesktop: (desktop: Desktop) => Promise<DesktopLink>;
  viewers: Viewers;
  log: Logger;
  metrics: Metrics;
  activity: (sessionId: string) => void;
  /** Whether a browser page from `origin` may open displays here. */
  originAllowed: (req: IncomingMessage, origin: string) => boolean;
  maxClipboardBytes: number;
  /** Why a new display must be refused right now (overload), or null. */
  admission?: () => string | null;
  /** A helpdesk display opened on an approved shadow (audited as its start). */
  onShadowDisplay?: (shadowId: string, userId: string) => Promise<void>;
}

/** The one place a refused ticket becomes the upgrade's HTTP status. */
const UPGRADE_STATUS: Record<Refusal['kind'], number> = { unauthenticated: 401, forbidden: 403 };

export function createVncEndpoint(deps: VncEndpointDeps) {
  const { log } = deps;
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: deps.maxClipboardBytes + 64 * 1024,
    handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
  });

  async function accept(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const origin = req.headers.origin;
    if (origin !== undefined && !deps.originAllowed(req, origin))
      return refuseUpgrade(socket, 403, 'display connections must come from the gateway’s own pages');
    // Before the ticket is redeemed, so the viewer's retry can still use it.
    const busy = deps.admission?.();
    if (busy) {
      deps.metrics.displayRefused();
      log.warn({ reason: busy }, 'display refused: overloaded');
      return refuseUpgrade(socket, 503, busy);
    }
    const ticket = upgradePath(req).searchParams.get('ticket') ?? '';
    const ip = req.socket.remoteAddress ?? null;
    const r = await deps.broker.redeem(ticket, ip);
    if (!r.ok) return refuseUpgrade(socket, UPGRADE_STATUS[r.kind], r.reason);
    if (!r.desktop) return refuseUpgrade(socket, 400, 'this session is shown through /ws/rdp, not /ws/vnc');
    const { session, desktop, mode, userId, shadowId } = r;
    wss.handleUpgrade(req, socket, head, (browser) => {
      const slog = log.child({ sessionId: session.id, mode, ...(shadowId ? { shadowId } : {}) });
      if (shadowId) void deps.onShadowDisplay?.(shadowId, userId);
      // Closing the browser side with our code is enough: the relay then closes the desktop side.
      const viewer = {
        userId,
        mode,
        ...(shadowId ? { shadowId } : {}),
        close: (code: number, reason: string) => closeWs(browser, code, reason),
      };
      deps.viewers.add(session.id, viewer);
      void deps.broker.viewerAttached(session.id).catch((err) => slog.warn({ err }, 'attach bookkeeping failed'));
      let left = false;
      const leave = () => {
        if (left) return;
        left = true;
        deps.viewers.remove(session.id, viewer);
        void deps.broker.viewerDetached(session.id).catch((err) => slog.warn({ err }, 'detach bookkeeping failed'));
      };
      browser.once('close', leave);
      deps
        .openDesktop(desktop)
        .then((link) => {
          if (left) return link.close('viewer left');
          const h = startVncRelay({
            browser,
            desktop: link,
            secret: desktop.secret,
            mode,
            log: slog,
            maxClipboardBytes: deps.maxClipboardBytes,
            onActivity: () => deps.activity(session.id),
            onBytes: deps.metrics.relayBytes,
            onDropped: deps.metrics.droppedInput,
            onWithheld: deps.metrics.withheldClipboard,
          });
          void h.done.then((d: { reason: string }) => slog.info({ reason: d.reason }, 'display closed'));
          slog.info('display connected');
        })
        .catch((err: Error) => {
          slog.warn({ err: err.message }, 'could not open a display stream');
          closeWs(browser, DisplayClose.DesktopUnreachable, 'the desktop is unreachable right now; retrying may help');
        });
    });
  }

  return {
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      if (upgradePath(req).pathname !== '/ws/vnc') return false;
      accept(req, socket, head).catch((err) => {
        log.error({ err }, 'display upgrade failed');
        refuseUpgrade(socket, 503, 'the gateway could not open the display');
      });
      return true;
    },
    close(): void {
      for (const c of wss.clients) closeWs(c, DisplayClose.DesktopGone, 'gateway shutting down');
      wss.close();
    },
  };
}
