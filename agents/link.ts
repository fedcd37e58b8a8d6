// One control connection of the agent to one gateway: dials out, says hello, keeps its heartbeat,
// hands every other message to the agent, and dials again with capped backoff and jitter after a
// break, except after a permanent refusal (refusal.ts). With several gateways the agent keeps one
// link per gateway (agent.ts); a link learns its gateway's own address from the welcome and dials
// that from then on, so a link that came in through a load balancer stays with its gateway.
import { WebSocket } from 'ws';
import type { Logger } from 'pino';
import {
  decodeFromGateway,
  encode,
  HEARTBEAT_INTERVAL_MS,
  MAX_CONTROL_MESSAGE_BYTES,
  type AgentToGateway,
  type GatewayToAgent,
  type Hello,
  type Welcome,
} from '../contract/agent-v1.ts';
import { nextDelay } from '../contract/backoff.ts';
import { refusalOfClose, refusalOfUpgrade, type Refusal } from './refusal.ts';

export interface LinkOptions {
  /** http(s)://host:port of the gateway (or of a load balancer in front of several). */
  url: string;
  log: Logger;
  /** What to present: the host credential, or an enrollment token; null when there is nothing. */
  headers(): Record<string, string> | null;
  /** What refusal.ts needs to say what to do about a refusal. */
  presented(): { enrolling: boolean; credentialFile: string };
  hello(): Promise<Hello>;
  onWelcome(link: GatewayLink, m: Welcome): void;
  onMessage(link: GatewayLink, m: Exclude<GatewayToAgent, Welcome>): void;
  /** A permanent refusal (token or credential refused, host removed): the agent stops. */
  onRefused(r: Refusal, details: Record<string, unknown>): void;
  /** Nothing to present at all (no credential, no token). */
  onNothingToPresent(): void;
  /** Every heartbeat interval while welcomed. */
  beat(link: GatewayLink): void;
}

export interface GatewayLink {
  /** Where it dials: its gateway's own address once the welcome said it. */
  readonly url: string;
  /** ws(s)://… of `url`, for stream dial-backs. */
  wsBase(): string;
  /** Connected and welcomed. */
  welcomed(): boolean;
  send(m: AgentToGateway): void;
  /** Stops for good (the agent stopping, or the gateway left the list). */
  close(code?: number, reason?: string): void;
}

export const toWsBase = (url: string): string => url.replace(/^http/, 'ws').replace(/\/$/, '');

export function startLink(o: LinkOptions): GatewayLink {
  let url = o.url;
  let ws: WebSocket | undefined;
  let isWelcomed = false;
  let stopped = false;
  let attempt = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  const log = o.log.child({ gateway: url });

  const link: GatewayLink = {
    get url() {
      return url;
    },
    wsBase: () => toWsBase(url),
    welcomed: () => isWelcomed && ws?.readyState === WebSocket.OPEN,
    send(m) {
      if (ws?.readyState === WebSocket.OPEN) ws.send(encode(m));
    },
    close(code = 1001, reason = 'agent stopping') {
      stopped = true;
      isWelcomed = false;
      clearTimeout(retryTimer);
      clearInterval(heartbeat);
      ws?.close(code, reason);
    },
  };

  function refuse(r: Refusal, details: Record<string, unknown>): void {
    if (stopped) return;
    link.close();
    o.onRefused(r, details);
  }

  function connect(): void {
    if (stopped) return;
    const headers = o.headers();
    if (!headers) return o.onNothingToPresent();
    const sock = new WebSocket(`${toWsBase(url)}/agent/v1/connect`, {
      headers,
      maxPayload: MAX_CONTROL_MESSAGE_BYTES,
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
    });
    ws = sock;
    sock.on('open', () => {
      void o
        .hello()
        .then((hello) => link.send(hello))
        .catch((err) => {
          log.error({ err }, 'could not read the desktop inventory');
          sock.close(1011, 'inventory failed');
        });
    });
    sock.on('message', (data, isBinary) => {
      const d = isBinary ? ({ ok: false, reason: 'binary control message' } as const) : decodeFromGateway(data as Buffer);
      if (!d.ok) {
        log.warn({ reason: d.reason }, 'gateway sent a malformed message; reconnecting');
        return sock.close(4400, d.reason.slice(0, 120));
      }
      const m = d.msg;
      if (m.type !== 'welcome') return o.onMessage(link, m);
      attempt = 0;
      isWelcomed = true;
      // Reconnects and dial-backs go to the gateway itself, not through whatever was in front of it.
      if (m.gatewayUrl && m.gatewayUrl !== url) {
        log.info({ via: url, gatewayUrl: m.gatewayUrl }, 'reached a gateway that advertises its own address; following it');
        url = m.gatewayUrl;
      }
      clearInterval(heartbeat);
      heartbeat = setInterval(() => o.beat(link), m.heartbeatMs ?? HEARTBEAT_INTERVAL_MS);
      o.onWelcome(link, m);
    });
    sock.on('unexpected-response', (req, res) => {
      // Read the (small) body for the gateway's error code; a peer that never ends it is cut off.
      const status = res.statusCode ?? 0;
      let body = '';
      let settled = false;
      const done = () => {
        if (settled) return;
        settled = true;
        clearTimeout(cutoff);
        const r = refusalOfUpgrade(status, body, o.presented());
        if (r) refuse(r, { status });
        else log.warn({ status }, 'the gateway answered the connection with an error; retrying');
        req.destroy();
        sock.terminate();
      };
      const cutoff = setTimeout(done, 5_000);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > 4096) res.destroy();
      });
      res.once('end', done);
      res.once('close', done);
    });
    sock.on('error', (err) => log.debug({ err: err.message }, 'gateway connection error'));
    sock.on('close', (code, reason) => {
      clearInterval(heartbeat);
      isWelcomed = false;
      if (stopped) return;
      const r = refusalOfClose(code, reason.toString(), o.presented());
      if (r) return refuse(r, { code, reason: reason.toString() });
      const delay = nextDelay(attempt++);
      log.warn({ code, reason: reason.toString(), retryInMs: delay }, 'disconnected from the gateway');
      retryTimer = setTimeout(connect, delay);
    });
  }

  connect();
  return link;
}
