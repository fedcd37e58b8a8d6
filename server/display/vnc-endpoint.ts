// /ws/vnc: the browser's VNC display WebSocket. Origin, admission, the one-time ticket (the only
// credential; no client-chosen target) and viewer registration are display-gate.ts's; this asks for a
// stream to the desktop (see gateway.ts: openDesktop) and runs the RFB-terminating relay in the ticket's mode.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { DisplayClose } from '../../contract/display.ts';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from '../../contract/api/policy.ts';
import { clipboardRule } from '../rfb/clipboard.ts';
import type { DesktopLink } from '../relay/desktop-link.ts';
import { startVncRelay } from '../relay/vnc-relay.ts';
import type { Desktop, Session } from '../store/types.ts';
import { closeWs, refuseUpgrade, upgradePath } from '../util/ws.ts';
import { createDisplayGate, type DisplayGateDeps } from './display-gate.ts';

export interface VncEndpointDeps extends DisplayGateDeps {
  /** A byte stream to the desktop's VNC server, wherever its host is. */
  openDesktop: (desktop: Desktop) => Promise<DesktopLink>;
  maxClipboardBytes: number;
  /** The session's policy (server/broker/policy.ts); its clipboard rule is enforced by the relay. Default: DEFAULT_SESSION_POLICY. */
  policyOf?: (session: Session) => Promise<SessionPolicy>;
}

export function createVncEndpoint(deps: VncEndpointDeps) {
  const { log } = deps;
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: deps.maxClipboardBytes + 64 * 1024,
    handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
  });

  const gate = createDisplayGate(deps);

  async function accept(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (!gate.precheck(req, socket)) return;
    const r = await gate.redeem(req, socket, upgradePath(req).searchParams.get('ticket') ?? '');
    if (!r) return;
    const { session, desktop, mode, shadowId } = r;
    if (!desktop) return refuseUpgrade(socket, 400, 'this session is shown through /ws/rdp, not /ws/vnc');
    wss.handleUpgrade(req, socket, head, (browser) => {
      const slog = log.child({ sessionId: session.id, mode, ...(shadowId ? { shadowId } : {}) });
      const viewer = gate.attach(browser, r, slog);
      const policy = deps.policyOf ? deps.policyOf(session) : Promise.resolve(DEFAULT_SESSION_POLICY);
      // The policy first: a desktop stream is never opened and then left behind by a failed lookup.
      policy
        .then(async (p) => [await deps.openDesktop(desktop), p] as const)
        .then(([link, p]) => {
          if (viewer.left()) return link.close('viewer left');
          const h = startVncRelay({
            browser,
            desktop: link,
            secret: desktop.secret,
            mode,
            log: slog,
            maxClipboardBytes: deps.maxClipboardBytes,
            clipboard: clipboardRule(p),
            onClipboardBlocked: deps.metrics.clipboardBlocked,
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
