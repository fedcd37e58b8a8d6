// The agent hub: accepts agents' outbound control WebSockets (/agent/v1/connect), enrolls them,
// relays requests/replies and events, watches heartbeats, and matches display stream dial-backs
// (/agent/v1/streams/:id) to the relay that asked for them; cuts off a removed host at once.
// See docs/agent-protocol.md.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Audit } from '../audit.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import {
  CloseCode,
  decodeFromAgent,
  encode,
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_MISSES,
  MAX_CONTROL_MESSAGE_BYTES,
  RefusalCode,
  type AgentRequest,
  type DiskUsageReport,
  type StreamConnect,
  type StreamOpen,
  type DesktopProgressEvent,
  type DesktopStateEvent,
  type Hello,
} from '../../contract/agent-v1.ts';
import type { FilesReceive, FilesSend } from '../../contract/agent-v1-files.ts';
import type { EnrollmentRedemption, Host, Store } from '../store/types.ts';
import { moveHost } from '../broker/host-state.ts';
import { newId, secretToken, sha256 } from '../util/random.ts';
import { closeWs, refuseUpgrade, upgradePath } from '../util/ws.ts';
import { createAgentConnection, type AgentConnection } from './connection.ts';
import { createStreamBroker } from './streams.ts';

export type { AgentConnection };

export interface HubEvents {
  hostConnected(host: Host, hello: Hello): Promise<void>;
  hostDisconnected(hostId: string): Promise<void>;
  desktopState(hostId: string, e: DesktopStateEvent): Promise<void>;
  desktopProgress?(hostId: string, e: DesktopProgressEvent): void;
}

export interface AgentHub {
  /** Handles /agent/v1/* upgrades; returns false for other paths. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  connection(hostId: string): AgentConnection | undefined;
  /** Asks the host's agent to dial back a display stream to the desktop; resolves with that socket. */
  openStream(hostId: string, desktopId: string, timeoutMs?: number, channel?: 'vnc' | 'rdp' | 'audio'): Promise<WebSocket>;
  /** A stream the host's agent dials to an existing machine's address (as the agent sees it); the gateway never dials it. */
  connectTarget(hostId: string, target: { address: string; port: number }, timeoutMs?: number): Promise<WebSocket>;
  connectedHosts(): string[];
  /** A file transfer's stream (files.receive / files.send): dialled back by the agent like a display stream. */
  fileStream(hostId: string, message: FileStreamRequest, timeoutMs?: number): Promise<WebSocket>;
  /**
   * Cuts off a host whose record is gone (deleted by an admin): closes its control connection and
   * its display streams now with CloseCode.HostRemoved and `reason`, which the agent takes as a
   * permanent refusal. Says what it closed.
   */
  removeHost(hostId: string, reason: string): { control: boolean; streams: number };
  /** Tells every connected agent the gateways sharing this store changed (several gateways). */
  announceGateways(urls: string[]): void;
  /** Closes the host's connection with CloseCode.Resync: its agent reconnects and says hello again (a fresh inventory). */
  resync(hostId: string): void;
  setEvents(e: HubEvents): void;
  close(): Promise<void>;
}

const HELLO_TIMEOUT_MS = 10_000;

type Who = { host: Host } | { enroll: true };
type Refused = { refused: RefusalCode; message: string };

const REDEMPTION_REFUSALS: Record<Exclude<EnrollmentRedemption, 'redeemed'>, Refused> = {
  used: { refused: RefusalCode.TokenUsed, message: 'this enrollment token was used already' },
  expired: { refused: RefusalCode.TokenExpired, message: 'this enrollment token has expired' },
  unknown: { refused: RefusalCode.TokenUnknown, message: 'this gateway issued no such enrollment token' },
};

export interface AgentHubOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  audit: Audit;
  /** Silence after which an agent is dropped and its host becomes unreachable. */
  heartbeatTimeoutMs?: number;
  /**
   * Several gateways on one store: this gateway's own address for agents and every gateway's, told
   * in each welcome so the agent keeps a connection to each (null: none advertised, one connection).
   */
  gateways?: () => { self: string; all: string[] } | null;
  /** An agent connection here opened (true) or closed (false): the other gateways hear it. */
  onHeld?: (hostId: string, held: boolean) => void;
}

export function createAgentHub(deps: AgentHubOptions): AgentHub {
  const { store, clock, log } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CONTROL_MESSAGE_BYTES, perMessageDeflate: false });
  const streamWss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024, perMessageDeflate: false });
  const conns = new Map<string, AgentConnection>();
  const streams = createStreamBroker({ log });
  const openStreams = new Map<string, Set<WebSocket>>(); // hostId → its dial-back streams now open
  const removed = new WeakSet<AgentConnection>(); // cut off: nothing it still sends counts
  let events: HubEvents | undefined;

  const timeoutMs = deps.heartbeatTimeoutMs ?? HEARTBEAT_INTERVAL_MS * HEARTBEAT_MISSES;
  const heartbeatMs = Math.max(200, Math.min(HEARTBEAT_INTERVAL_MS, Math.floor(timeoutMs / 3)));
  const watchdog = setInterval(
    () => {
      const limit = clock.now() - timeoutMs;
      for (const c of conns.values()) {
        if (c.lastSeenAt >= limit) continue;
        log.warn({ hostId: c.hostId, silentMs: clock.now() - c.lastSeenAt }, 'agent missed its heartbeats; dropping it');
        c.terminate();
      }
    },
    Math.min(HEARTBEAT_INTERVAL_MS, Math.max(250, timeoutMs / 3)),
  );
  watchdog.unref();

  /** Records liveness; writes capacity only when it changed (a heartbeat costs one small write). */
  async function heartbeat(
    conn: AgentConnection,
    capacity: Host['capacity'] | undefined,
    disk: DiskUsageReport | undefined,
    primary: boolean,
  ): Promise<void> {
    if (disk) conn.disk = disk; // a beat sent while the agent's last measurement was still out carries none
    try {
      const changed = capacity && JSON.stringify(capacity) !== JSON.stringify(conn.capacity);
      if (changed) conn.capacity = capacity;
      if (!primary && !changed) return;
      await store.updateHost(conn.hostId, { lastHeartbeatAt: clock.now(), ...(changed ? { capacity } : {}) });
    } catch (err) {
      log.warn({ err, hostId: conn.hostId }, 'heartbeat write failed');
    }
  }

  /** Who is connecting, or why not: each refusal has its own code so the agent can say what to do. */
  async function authenticate(req: IncomingMessage): Promise<Who | Refused> {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      const host = await store.getHostByCredentialHash(sha256(auth.slice(7).trim()));
      return host
        ? { host }
        : { refused: RefusalCode.CredentialUnknown, message: 'unknown host credential: the host was removed from this gateway' };
    }
    const token = req.headers['x-deskport-enroll'];
    if (typeof token !== 'string') return { refused: RefusalCode.NoCredentials, message: 'send a host credential or an enrollment token' };
    const redeemed = token.length <= 128 ? await store.redeemEnrollmentToken(sha256(token), clock.now()) : 'unknown';
    return redeemed === 'redeemed' ? { enroll: true } : REDEMPTION_REFUSALS[redeemed];
  }

  function onControl(ws: WebSocket, who: Who, ip: string | undefined): void {
    let conn: AgentConnection | undefined;
    let helloSeen = false;
    const helloTimer = setTimeout(() => closeWs(ws, CloseCode.ProtocolError, 'no hello'), HELLO_TIMEOUT_MS);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return closeWs(ws, CloseCode.ProtocolError, 'control messages are text');
      const d = decodeFromAgent(data as Buffer);
      if (!d.ok) {
        log.warn({ hostId: conn?.hostId, reason: d.reason }, 'agent sent a malformed message; disconnecting');
        return closeWs(ws, CloseCode.ProtocolError, d.reason);
      }
      const msg = d.msg;
      if (!conn) {
        // Between hello and our welcome nothing has been asked of the agent yet; inventory covers state.
        if (helloSeen) return;
        if (!('type' in msg) || msg.type !== 'hello') return closeWs(ws, CloseCode.ProtocolError, 'expected hello first');
        helloSeen = true;
        clearTimeout(helloTimer);
        void welcome(ws, who, msg, ip)
          .then(({ conn: c, host }) => {
            conn = c;
            if (ws.readyState !== WebSocket.OPEN) return void dropped(c); // closed while we enrolled it
            // Replies and heartbeats flow while the host is reconciled: reconciliation itself asks
            // the agent to destroy leftovers and must hear the answers.
            void events?.hostConnected(host, msg).catch((err) => log.error({ err, hostId: host.id }, 'host reconciliation failed'));
          })
          .catch((err) => {
            if (err instanceof HostGone) return;
            log.error({ err }, 'agent hello failed');
            closeWs(ws, 1011, 'gateway error during hello');
          });
        return;
      }
      if (removed.has(conn)) return;
      conn.lastSeenAt = clock.now();
      if ('re' in msg) return conn.settle(msg);
      // Of an agent's connections to several gateways, only its primary one records liveness in the store.
      if (msg.type === 'heartbeat') return void heartbeat(conn, msg.capacity, msg.disk, msg.primary !== false);
      if (msg.type === 'desktop.progress') return events?.desktopProgress?.(conn.hostId, msg);
      if (msg.type === 'desktop.state')
        return void events?.desktopState(conn.hostId, msg).catch((err) => log.error({ err }, 'desktop.state handling failed'));
      closeWs(ws, CloseCode.ProtocolError, `unexpected ${msg.type}`);
    });
    ws.on('close', () => {
      clearTimeout(helloTimer);
      if (conn) dropped(conn);
    });
    ws.on('error', (err) => log.warn({ err: err.message }, 'agent socket error'));
  }

  /** A connection ended: forget it (unless a newer one replaced it) and tell the broker. */
  function dropped(conn: AgentConnection): void {
    if (conns.get(conn.hostId) !== conn) return;
    conns.delete(conn.hostId);
    deps.onHeld?.(conn.hostId, false);
    conn.failPending('the agent disconnected');
    log.info({ hostId: conn.hostId }, 'agent disconnected');
    void events?.hostDisconnected(conn.hostId).catch((err) => log.error({ err }, 'host disconnect handling failed'));
  }

  async function welcome(ws: WebSocket, who: Who, hello: Hello, ip: string | undefined): Promise<{ conn: AgentConnection; host: Host }> {
    const now = clock.now();
    const base = { name: hello.name, drivers: hello.drivers, capacity: hello.capacity, lastHeartbeatAt: now };
    let host: Host;
    let credential: string | undefined;
    if ('enroll' in who) {
      credential = secretToken('dph_');
      host = await store.createHost({
        id: newId('h'),
        labels: {},
        state: 'online',
        credentialHash: sha256(credential),
        createdAt: now,
        ...base,
      });
      await deps.audit.record({
        actor: `host:${host.name}`,
        action: 'host.enroll',
        target: host.id,
        result: 'ok',
        ip: ip ?? null,
        details: { drivers: hello.drivers },
      });
    } else {
      // Back from away: online; a draining or cordoned host stays so across reconnects.
      const state = who.host.state === 'unreachable' || who.host.state === 'offline' ? 'online' : who.host.state;
      const updated = await moveHost(store, who.host, state, base);
      if (!updated) {
        // Deleted between the credential check and this hello: as final as a refused credential.
        closeWs(ws, CloseCode.HostRemoved, 'the host was removed from the gateway');
        throw new HostGone();
      }
      host = updated;
    }
    conns.get(host.id)?.close(CloseCode.Replaced, 'replaced by a newer connection');
    const conn = createAgentConnection({ ws, hostId: host.id, name: host.name, clock, log });
    conn.capacity = hello.capacity;
    conn.hello = hello;
    conns.set(host.id, conn);
    deps.onHeld?.(host.id, true);
    const gateways = deps.gateways?.();
    ws.send(
      encode({
        type: 'welcome',
        hostId: host.id,
        heartbeatMs,
        ...(credential ? { credential } : {}),
        ...(gateways ? { gatewayUrl: gateways.self, gateways: gateways.all } : {}),
      }),
    );
    log.info({ hostId: host.id, name: host.name, inventory: hello.inventory.length }, 'agent connected');
    return { conn, host };
  }

  /** Asks the host's agent to dial a stream back; resolves with the gateway's end of it once it arrives. */
  function requestStream(hostId: string, timeoutMs: number, message: (streamId: string, key: string) => StreamRequest): Promise<WebSocket> {
    const conn = conns.get(hostId);
    if (!conn) return Promise.reject(new Error('the desktop host is not connected'));
    const { streamId, key, socket } = streams.expect(hostId, timeoutMs);
    conn.request(message(streamId, key), timeoutMs).catch((err: Error) => streams.fail(streamId, err));
    return socket;
  }

  return {
    handleUpgrade(req, socket, head) {
      const url = upgradePath(req);
      const ip = req.socket.remoteAddress;
      if (url.pathname === '/agent/v1/connect') {
        authenticate(req)
          .then((who) => {
            if ('refused' in who) {
              log.warn({ ip, refused: who.refused }, 'refused an agent');
              return refuseUpgrade(socket, 401, who.message, who.refused);
            }
            wss.handleUpgrade(req, socket, head, (ws) => onControl(ws, who, ip));
          })
          .catch((err) => {
            log.error({ err }, 'agent authentication failed');
            refuseUpgrade(socket, 503, 'gateway store unavailable');
          });
        return true;
      }
      const m = /^\/agent\/v1\/streams\/([A-Za-z0-9_-]{1,64})$/.exec(url.pathname);
      if (m) {
        const key = req.headers['x-deskport-stream-key'];
        const pending = typeof key === 'string' ? streams.take(m[1]!, key) : undefined;
        if (!pending) {
          refuseUpgrade(socket, 401, 'unknown stream or wrong key');
          return true;
        }
        streamWss.handleUpgrade(req, socket, head, (ws) => {
          // Kept per host only while open, so removing the host can close it.
          const set = openStreams.get(pending.hostId) ?? new Set<WebSocket>();
          openStreams.set(pending.hostId, set.add(ws));
          ws.once('close', () => {
            set.delete(ws);
            if (set.size === 0 && openStreams.get(pending.hostId) === set) openStreams.delete(pending.hostId);
          });
          pending.resolve(ws);
        });
        return true;
      }
      return false;
    },
    connection: (hostId) => conns.get(hostId),
    async openStream(hostId, desktopId, timeoutMs = 10_000, channel = 'vnc') {
      return requestStream(hostId, timeoutMs, (streamId, key) => ({
        type: 'stream.open',
        streamId,
        desktopId,
        key,
        ...(channel === 'vnc' ? {} : { channel }),
      }));
    },
    async connectTarget(hostId, target, timeoutMs = 10_000) {
      return requestStream(hostId, timeoutMs, (streamId, key) => ({ type: 'stream.connect', streamId, key, target }));
    },
    connectedHosts: () => [...conns.keys()],
    async fileStream(hostId, message, timeoutMs = 10_000) {
      return requestStream(hostId, timeoutMs, (streamId, key) => ({ ...message, streamId, key }));
    },
    removeHost(hostId, reason) {
      const conn = conns.get(hostId);
      if (conn) {
        removed.add(conn);
        conn.close(CloseCode.HostRemoved, reason);
        dropped(conn); // now, not when the agent answers the close
      }
      streams.failHost(hostId, new Error('the desktop host was removed'));
      const open = [...(openStreams.get(hostId) ?? [])];
      for (const ws of open) closeWs(ws, CloseCode.HostRemoved, reason);
      openStreams.delete(hostId);
      // The close frames carry the reason; a peer that does not answer them is cut off anyway.
      setTimeout(() => {
        conn?.terminate();
        for (const ws of open) ws.terminate();
      }, 1000).unref();
      log.info({ hostId, control: conn !== undefined, streams: open.length }, 'host removed; its agent is cut off');
      return { control: conn !== undefined, streams: open.length };
    },
    resync(hostId) {
      conns.get(hostId)?.close(CloseCode.Resync, 'say hello again: the host was marked away');
    },
    announceGateways(urls) {
      for (const c of conns.values()) if (!removed.has(c)) c.tell({ type: 'gateways', urls });
    },
    setEvents(e) {
      events = e;
    },
    async close() {
      clearInterval(watchdog);
      for (const c of conns.values()) c.close(CloseCode.Shutdown, 'gateway shutting down');
      conns.clear();
      streams.close();
      wss.close();
      streamWss.close();
    },
  };
}

export type FileStreamRequest = Omit<FilesReceive, 'id' | 'streamId' | 'key'> | Omit<FilesSend, 'id' | 'streamId' | 'key'>;
type StreamRequest = Omit<StreamOpen, 'id'> | Omit<StreamConnect, 'id'> | Omit<FilesReceive, 'id'> | Omit<FilesSend, 'id'>;

/** The host's record vanished while its agent said hello (deleted meanwhile). */
class HostGone extends Error {}
