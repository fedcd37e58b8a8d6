// The Deskport agent: dials OUT to the gateway (no inbound port), enrolls once with a one-time
// token and keeps the host credential in its state dir, reports inventory, runs desktop drivers,
// and dials back one WebSocket per display stream to the gateway that asked. With several gateways
// on one store it keeps a control connection to each (link.ts; the list comes with the welcome and
// when it changes); events go on one of them, the primary. Reconnects with capped backoff and
// jitter, except after a permanent refusal (token or credential refused, host removed): then it
// stops (refusal.ts).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { Logger } from 'pino';
import {
  AGENT_PROTOCOL,
  type AgentRequest,
  MAX_GATEWAYS,
  MAX_INVENTORY,
  type AgentToGateway,
  type DesktopStateEvent,
  type DiskUsageReport,
  type InventoryItem,
  type Hello,
  type Welcome,
} from '../contract/agent-v1.ts';
import { pipeWebSocketToSocket } from './pipe-socket.ts';
import { dialStreamBack } from './dial-back.ts';
import { CREDENTIAL_FILE, readCredential, type Credential } from './credential.ts';
import { checkNetwork, driverNamed, type DesktopDriver, type DisplayChannel } from './driver.ts';
import { startLink, toWsBase, type GatewayLink } from './link.ts';
import { nothingToPresent, type Refusal } from './refusal.ts';
import { dialTarget, targetPolicy, type TargetPolicy } from './targets.ts';
import { createAgentFiles } from './files/agent-files.ts';

export const AGENT_VERSION = '0.1.0';

export interface AgentOptions {
  gatewayUrl: string; // http(s)://host:port of the gateway
  enrollToken?: string;
  stateDir: string;
  name: string;
  drivers: DesktopDriver[];
  /** What this host offers; cpu and memoryMb default to the machine's cores and memory. */
  capacity: { desktops: number; cpu?: number; memoryMb?: number };
  log: Logger;
  /** How often to look for desktops that stopped on their own. */
  monitorIntervalMs?: number;
  /** Which existing machines the gateway may have this agent dial (stream.connect); default: private networks. */
  targets?: TargetPolicy;
  /** An upload that receives no byte for this long is abandoned (default 30 s). */
  fileStallMs?: number;
  /** No followed gateway answering for this long: the configured address is dialled again (default 60 s). */
  fallbackMs?: number;
}

export interface Agent {
  /** Resolves after the first welcome from the gateway. */
  ready: Promise<{ hostId: string }>;
  /**
   * Resolves when the gateway refused this agent for good (used, expired or unknown token; host
   * credential refused; host removed while connected). The agent has stopped dialling by then;
   * desktops are left alone, as by stop(). Never resolves otherwise.
   */
  refused: Promise<Refusal>;
  /**
   * A socket straight to a desktop's VNC server (or its xrdp, channel 'rdp'), for a gateway running
   * this agent in its own process: display bytes then skip the dial-back WebSocket (control still
   * goes over the protocol).
   */
  openLocalStream(desktopId: string, channel?: DisplayChannel): Promise<Socket>;
  stop(): Promise<void>;
}

/** How long no followed gateway may answer before the configured address is dialled again. */
const FALLBACK_MS = 60_000;

export function startAgent(o: AgentOptions): Agent {
  const log = o.log.child({ component: 'agent', name: o.name });
  const credFile = join(o.stateDir, CREDENTIAL_FILE);
  mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
  let cred: Credential | null = readCredential(credFile);
  let stopped = false;
  /** One link per gateway, the first one made first (the configured address): the primary is the first welcomed. */
  const links: GatewayLink[] = [];
  /** Random per process: among several gateways, one reconciles the inventory once per boot (docs/agent-protocol.md). */
  const bootId = randomBytes(12).toString('base64url');
  /** The link a stream's request came on: its dial-back goes to that gateway. */
  const streamLinks = new Map<string, GatewayLink>();
  const primary = (): GatewayLink | undefined => links.find((l) => l.welcomed());
  const known = new Map<string, DesktopDriver>(); // desktopId → driver
  const withDisks = o.drivers.filter((d) => d.diskUsage);
  let measuring = false;
  /** A heartbeat, with the disk the drivers' desktops hold when a driver keeps disks (a few stat calls).
   *  Liveness never waits on the disk: while one measurement is still out, beats go without one. */
  const beat = async (link: GatewayLink): Promise<void> => {
    let disk: DiskUsageReport | undefined;
    const isPrimary = link === currentPrimary();
    if (isPrimary && withDisks.length && !measuring) {
      measuring = true;
      try {
        const all = await Promise.all(withDisks.map((d) => d.diskUsage!()));
        disk = { bytes: all.reduce((a, u) => a + u.bytes, 0), desktops: all.flatMap((u) => u.desktops).slice(0, MAX_INVENTORY) };
      } catch (err) {
        log.warn({ err: (err as Error).message }, "could not measure the desktops' disk usage");
      } finally {
        measuring = false;
      }
    }
    link.send({ type: 'heartbeat', at: Date.now(), desktops: running.size, capacity, primary: isPrimary, ...(disk ? { disk } : {}) });
  };
  const running = new Set<string>();
  let onReady!: (v: { hostId: string }) => void;
  const ready = new Promise<{ hostId: string }>((r) => (onReady = r));
  let onRefused!: (r: Refusal) => void;
  const refused = new Promise<Refusal>((r) => (onRefused = r));
  const presented = () => ({ enrolling: !cred, credentialFile: credFile });
  /** A permanent refusal: no more dialling; whoever runs the agent decides what follows. */
  function refuse(r: Refusal, details: Record<string, unknown>): void {
    if (stopped) return;
    stopped = true;
    for (const l of links) l.close();
    log.error({ ...details, refusal: r.code }, r.message);
    onRefused(r);
  }
  const targets = o.targets ?? targetPolicy();
  const capacity = {
    desktops: o.capacity.desktops,
    cpu: o.capacity.cpu || cpus().length,
    memoryMb: o.capacity.memoryMb || Math.floor(totalmem() / 2 ** 20),
  };

  /**
   * Events (desktop state, create progress) go on the primary link only: one gateway acts on each.
   * A desktop's end is told again on a new primary: the old one may have died with it unread.
   */
  const recentEnds: { m: DesktopStateEvent; at: number }[] = [];
  let lastPrimary: GatewayLink | undefined;
  /** The primary link now; when it changed, the desktop ends of the last minute are told on it. */
  const currentPrimary = (): GatewayLink | undefined => {
    const p = primary();
    if (p && p !== lastPrimary) for (const e of recentEnds) if (Date.now() - e.at < 60_000) p.send(e.m);
    lastPrimary = p;
    return p;
  };
  const sendEvent = (m: AgentToGateway): void => {
    if ('type' in m && m.type === 'desktop.state') {
      recentEnds.push({ m, at: Date.now() });
      if (recentEnds.length > 100) recentEnds.shift();
    }
    currentPrimary()?.send(m);
  };

  async function inventory(): Promise<InventoryItem[]> {
    const items: InventoryItem[] = [];
    for (const d of o.drivers) {
      for (const h of await d.list()) {
        known.set(h.desktopId, d);
        items.push({ desktopId: h.desktopId, state: h.state, startedAt: h.startedAt });
      }
    }
    return items;
  }

  const hello = async (): Promise<Hello> => {
    const inv = await inventory();
    for (const i of inv) if (i.state === 'running') running.add(i.desktopId);
    return {
      type: 'hello',
      protocol: AGENT_PROTOCOL,
      agentVersion: AGENT_VERSION,
      name: o.name,
      drivers: o.drivers.map((d) => d.name),
      capacity,
      inventory: inv,
      bootId,
    };
  };

  function onWelcome(l: GatewayLink, m: Welcome): void {
    // Two links now dial one gateway (one came back through the configured address): keep the welcomed one.
    for (const other of links.filter((x) => x !== l && x.url === l.url && !x.welcomed())) {
      other.close(1000, 'another link reached this gateway');
      links.splice(links.indexOf(other), 1);
    }
    if (m.credential) {
      cred = { hostId: m.hostId, credential: m.credential };
      try {
        writeFileSync(credFile, JSON.stringify(cred), { mode: 0o600 });
        log.info({ hostId: m.hostId }, 'enrolled; host credential saved');
      } catch (err) {
        // Keeps working on this connection; a restart would need a new enrollment token.
        log.error({ err: (err as Error).message, file: credFile }, 'could not save the host credential');
      }
    }
    if (m.gateways) follow(m.gateways);
    onReady({ hostId: m.hostId });
  }

  /**
   * The gateways sharing one store: a link to each, and none to a gateway no longer listed. An empty
   * list (a gateway that advertises no address) changes nothing.
   */
  function follow(urls: string[]): void {
    if (stopped || urls.length === 0 || !cred) return;
    const wanted = new Set(urls.slice(0, MAX_GATEWAYS));
    for (const l of [...links]) {
      if (wanted.has(l.url)) continue;
      l.close(1000, 'gateway no longer listed');
      links.splice(links.indexOf(l), 1);
    }
    for (const url of wanted) if (!links.some((l) => l.url === url)) links.push(link(url));
    log.info({ gateways: links.map((l) => l.url) }, 'following the gateways sharing the store');
  }

  /**
   * No gateway it follows has answered for fallbackMs (say every address changed while it was cut
   * off): dial the configured address (the load balancer) again too; its welcome lists the gateways now.
   */
  let lonelySince: number | undefined;
  function fallBack(): void {
    if (stopped || !cred || links.some((l) => l.welcomed())) return void (lonelySince = undefined);
    lonelySince ??= Date.now();
    if (Date.now() - lonelySince < (o.fallbackMs ?? FALLBACK_MS) || links.some((l) => l.url === o.gatewayUrl)) return;
    log.warn({ via: o.gatewayUrl }, 'no gateway it follows answers; dialling the configured address again');
    links.push(link(o.gatewayUrl));
  }

  /** The credential, else (the first link only: enrolling) the token; null when there is neither. */
  function presentWith(): Record<string, string> | null {
    if (cred) return { authorization: `Bearer ${cred.credential}` };
    if (o.enrollToken && links.length <= 1) return { 'x-deskport-enroll': o.enrollToken };
    return null;
  }

  function link(url: string): GatewayLink {
    return startLink({
      url,
      log,
      headers: presentWith,
      presented,
      hello,
      onWelcome,
      onMessage: (l, m) => (m.type === 'gateways' ? follow(m.urls) : void handle(l, m)),
      onRefused: refuse,
      onNothingToPresent: () => refuse(nothingToPresent(presented()), {}),
      beat: (l) => void beat(l),
    });
  }

  async function handle(link: GatewayLink, m: AgentRequest): Promise<void> {
    const streamId = 'streamId' in m ? m.streamId : undefined;
    if (streamId) streamLinks.set(streamId, link);
    try {
      const result = await perform(m);
      link.send({ re: m.id, ok: true, result });
    } catch (err) {
      const e = err as Error & { code?: string };
      log.warn({ type: m.type, err: e.message }, 'request failed');
      link.send({
        re: m.id,
        ok: false,
        error: { code: typeof e.code === 'string' && /^[a-z_]{1,64}$/.test(e.code) ? e.code : 'failed', message: e.message.slice(0, 2000) },
      });
    } finally {
      if (streamId) streamLinks.delete(streamId);
    }
  }

  async function driverOf(desktopId: string): Promise<DesktopDriver | undefined> {
    const k = known.get(desktopId);
    if (k) return k;
    for (const d of o.drivers) if (await d.inspect(desktopId)) return d;
    return undefined;
  }

  async function perform(m: AgentRequest): Promise<Record<string, unknown>> {
    switch (m.type) {
      case 'desktop.create': {
        const d = driverNamed(o.drivers, m.driver);
        checkNetwork(d, m.spec);
        const h = await d.create(m.spec, undefined, (step, message) =>
          sendEvent({ type: 'desktop.progress', desktopId: m.spec.desktopId, step, message: message.slice(0, 200) }),
        );
        known.set(h.desktopId, d);
        running.add(h.desktopId);
        return { startedAt: h.startedAt };
      }
      case 'desktop.destroy': {
        files.abortDesktop(m.desktopId);
        const d = await driverOf(m.desktopId);
        running.delete(m.desktopId);
        if (d) await d.destroy(m.desktopId);
        known.delete(m.desktopId);
        return {};
      }
      case 'desktop.inspect': {
        const d = await driverOf(m.desktopId);
        const h = d ? await d.inspect(m.desktopId) : null;
        return h ? { state: h.state, startedAt: h.startedAt } : { state: 'gone' };
      }
      case 'stream.open':
        await dialBack(m.streamId, m.key, await openDesktopSocket(m.desktopId, m.channel ?? 'vnc'));
        return {};
      case 'stream.connect':
        await dialBack(m.streamId, m.key, await dialTarget(m.target, targets));
        return {};
      case 'files.list':
        return files.list(m);
      case 'disk.snapshot': {
        const d = driverNamed(o.drivers, m.driver);
        if (!d.snapshots)
          throw Object.assign(new Error(`this host's ${m.driver} driver keeps no disks to snapshot`), { code: 'unsupported' });
        return await d.snapshots(m.homeKey, m.op, m.name);
      }
      case 'files.receive':
        await files.receive(m);
        return {};
      case 'files.send':
        await files.send(m);
        return {};
    }
  }

  /** Dials a stream back to the gateway whose request it is (with one gateway, the configured one). */
  const dialStream = (streamId: string, key: string, attach: (ws: WebSocket) => void): Promise<WebSocket> =>
    dialStreamBack(streamLinks.get(streamId)?.wsBase() ?? toWsBase(o.gatewayUrl), streamId, key, attach);

  /** Pipes `socket` to a new stream WebSocket dialled back to the gateway. */
  async function dialBack(streamId: string, key: string, socket: Socket): Promise<void> {
    await dialStream(streamId, key, (back) => pipeWebSocketToSocket(back, socket, { log })).catch((err: Error) => {
      socket.destroy();
      throw err;
    });
  }

  const files = createAgentFiles({ driverOf, dialStream, log, ...(o.fileStallMs ? { stallMs: o.fileStallMs } : {}) });

  async function openDesktopSocket(desktopId: string, channel: DisplayChannel = 'vnc'): Promise<Socket> {
    const d = await driverOf(desktopId);
    if (!d) throw Object.assign(new Error('no such desktop on this host'), { code: 'no_such_desktop' });
    const socket = await d.openStream(desktopId, channel);
    // Input is a trickle of tiny writes (key down, key up, pointer): without this, Nagle holds
    // each one until the desktop acknowledges the previous, up to its delayed-ACK timer.
    socket.setNoDelay(true);
    return socket;
  }

  const monitor = setInterval(() => {
    fallBack();
    void (async () => {
      for (const id of [...running]) {
        const d = known.get(id);
        const h = d ? await d.inspect(id) : null;
        if (h?.state !== 'running' && running.delete(id)) {
          log.info({ desktopId: id }, 'desktop stopped on its own');
          sendEvent({ type: 'desktop.state', desktopId: id, state: h ? 'stopped' : 'gone' });
        }
      }
    })().catch((err) => log.warn({ err }, 'desktop monitor failed'));
  }, o.monitorIntervalMs ?? 5_000);

  if (!cred && !o.enrollToken) refuse(nothingToPresent(presented()), {});
  else links.push(link(o.gatewayUrl));
  return {
    ready,
    refused,
    openLocalStream: openDesktopSocket,
    async stop() {
      stopped = true;
      clearInterval(monitor);
      for (const l of links) l.close();
      // Desktops keep running: a restarted agent re-adopts them from the drivers' state.
      await Promise.all(o.drivers.map((d) => d.close()));
    },
  };
}
