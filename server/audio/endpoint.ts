// /ws/audio?ticket=…: the desktop's sound for the viewer. Origin, the one-time sound ticket and the
// policy (access.ts) are checked at the upgrade; then the agent starts capturing (an 'audio' stream)
// and relay.ts forwards it. Nothing is captured while no one listens: muting closes this socket.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { AudioClose } from '../../contract/audio.ts';
import { DisplayClose } from '../../contract/display.ts';
import { DomainError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { DesktopLink } from '../relay/desktop-link.ts';
import type { Desktop, Store } from '../store/types.ts';
import { closeWs, refuseUpgrade, upgradePath } from '../util/ws.ts';
import type { AudioAccess } from './access.ts';
import { startAudioRelay, type AudioRelay } from './relay.ts';
import type { AudioTickets } from './tickets.ts';

const MAX_LISTENERS = 1_000;
/** How often an open shadow's sound re-checks that the shadow is still approved with sound. */
const RECHECK_MS = 1_000;

export interface AudioEndpointDeps {
  store: Store;
  access: AudioAccess;
  tickets: AudioTickets;
  openDesktop(d: Desktop, channel: 'audio'): Promise<DesktopLink>;
  originAllowed(req: IncomingMessage, origin: string): boolean;
  log: Logger;
  maxQueuedBytes?: number;
}

interface Listener {
  browser: WebSocket;
  relay?: AudioRelay;
  userId: string;
  sessionId: string;
  shadowId?: string;
}

export function createAudioEndpoint(deps: AudioEndpointDeps) {
  const { log } = deps;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1024 });
  const listeners = new Set<Listener>();
  const totals = { bytesSent: 0, framesDropped: 0 };

  let checking = false; // one round at a time: a slow store must not pile rounds up
  const recheck = setInterval(() => {
    if (checking) return;
    checking = true;
    void (async () => {
      for (const l of [...listeners]) {
        if (!l.shadowId) continue;
        const still = await deps.access.shadowStillHears(l.userId, l.sessionId, l.shadowId);
        if (!still) closeWs(l.browser, DisplayClose.ShadowEnded, 'the shadow ended or no longer shares sound');
      }
    })()
      .catch((err: unknown) => log.warn({ err }, 'could not check that shadows still share sound'))
      .finally(() => (checking = false));
  }, RECHECK_MS);
  recheck.unref();

  async function accept(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const origin = req.headers.origin;
    if (origin !== undefined && !deps.originAllowed(req, origin))
      return refuseUpgrade(socket, 403, 'sound connections must come from the gateway’s own pages');
    if (listeners.size >= MAX_LISTENERS) return refuseUpgrade(socket, 503, 'too many sound connections; try again later');
    const b = await deps.tickets.consume(upgradePath(req).searchParams.get('ticket') ?? '');
    if (!b) return refuseUpgrade(socket, 401, 'unknown, used or expired sound ticket');
    const user = await deps.store.getUser(b.userId);
    if (!user || user.disabled) return refuseUpgrade(socket, 403, 'the ticket holder may no longer sign in');
    let desktop: Desktop;
    try {
      desktop = b.shadowId
        ? (await deps.access.forShadow(user, b.shadowId)).desktop
        : (await deps.access.forOwner(user, b.sessionId)).desktop;
    } catch (err) {
      if (err instanceof DomainError) return refuseUpgrade(socket, 403, err.message, err.code);
      throw err;
    }
    wss.handleUpgrade(req, socket, head, (browser) => {
      const l: Listener = { browser, userId: b.userId, sessionId: b.sessionId, ...(b.shadowId ? { shadowId: b.shadowId } : {}) };
      const slog = log.child({ sessionId: b.sessionId, ...(b.shadowId ? { shadowId: b.shadowId } : {}) });
      listeners.add(l);
      browser.once('close', () => {
        listeners.delete(l);
        if (l.relay) {
          totals.bytesSent += l.relay.stats.bytesSent;
          totals.framesDropped += l.relay.stats.framesDropped;
        }
      });
      deps
        .openDesktop(desktop, 'audio')
        .then((link) => {
          if (!listeners.has(l)) return link.close('listener left');
          l.relay = startAudioRelay(browser, link, deps.maxQueuedBytes ? { maxQueuedBytes: deps.maxQueuedBytes } : {});
          void l.relay.done.then((why) => {
            const s = l.relay?.stats;
            slog.info({ reason: why, bytes: s?.bytesSent, dropped: s?.framesDropped }, 'sound closed');
          });
          slog.info('sound connected');
        })
        .catch((err: Error & { code?: string }) => {
          if (err.code === 'sound_unavailable') {
            slog.info({ err: err.message }, 'the desktop has no sound');
            return closeWs(browser, AudioClose.SoundUnavailable, 'Sound is unavailable on this desktop');
          }
          slog.warn({ err: err.message }, 'could not open a sound stream');
          closeWs(browser, DisplayClose.DesktopUnreachable, 'the desktop is unreachable right now; retrying may help');
        });
    });
  }

  return {
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      if (upgradePath(req).pathname !== '/ws/audio') return false;
      accept(req, socket, head).catch((err) => {
        log.error({ err }, 'sound upgrade failed');
        refuseUpgrade(socket, 503, 'the gateway could not open the sound');
      });
      return true;
    },
    /** Open sound sockets, and what closed ones sent and dropped (bench, metrics). */
    stats: () => {
      let bytesSent = totals.bytesSent;
      let framesDropped = totals.framesDropped;
      for (const l of listeners) {
        bytesSent += l.relay?.stats.bytesSent ?? 0;
        framesDropped += l.relay?.stats.framesDropped ?? 0;
      }
      return { listeners: listeners.size, bytesSent, framesDropped };
    },
    close(): void {
      clearInterval(recheck);
      for (const l of listeners) closeWs(l.browser, DisplayClose.DesktopGone, 'gateway shutting down');
      wss.close();
    },
  };
}

export type AudioEndpoint = ReturnType<typeof createAudioEndpoint>;
