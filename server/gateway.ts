// Assembles one gateway process: store, audit, agent hub, broker and its timers, the HTTP API,
// the display endpoint, and (for `up`) the in-process agent that speaks the same agent protocol
// over loopback as a remote one, started by a factory the caller passes (cmd/ builds it from
// agents/, which server/ never imports). stop() is clean and leaves desktops running on their hosts.
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { createAudit } from './audit.ts';
import { createAudioAccess } from './audio/access.ts';
import { createAudioEndpoint } from './audio/endpoint.ts';
import { createAudioTickets } from './audio/tickets.ts';
import { policyOf } from './broker/policy.ts';
import { createSnapshots } from './broker/snapshots.ts';
import { auditGuacTransfer } from './guac/transfer-audit.ts';
import { ensureAdmin } from './auth/bootstrap.ts';
import { createAccessGuard } from './broker/access.ts';
import { createBroker, type Broker } from './broker/broker.ts';
import { createMachines, type Machines } from './broker/machines.ts';
import { createVault, loadVaultKeys } from './vault.ts';
import type { BrokerCtx } from './broker/transitions.ts';
import { createHostEvents } from './broker/hosts.ts';
import { startSweepLoop } from './broker/sweep-loop.ts';
import { createGatewayCluster, gatewayIdentity } from './cluster/gateway-cluster.ts';
import { createTickets } from './broker/tickets.ts';
import { createShadows } from './broker/shadows.ts';
import { createTimers } from './broker/timers.ts';
import { createAdmission } from './display/admission.ts';
import { createProviderRegistry } from './auth/providers.ts';
import { createThumbnails, sessionThumbnail } from './display/thumbnail.ts';
import { createMetricsHistory } from './metrics-history.ts';
import { systemClock, type Clock } from './clock.ts';
import { splitListen, type Config } from './config.ts';
import { createVncEndpoint } from './display/vnc-endpoint.ts';
import type { DisplayGateDeps } from './display/display-gate.ts';
import { createDisplayUrl } from './display/display-url.ts';
import { createGuacEndpoint } from './display/guac-endpoint.ts';
import { createGuacConnections } from './display/guac-connections.ts';
import { createGuacTokens, guacTokenKey } from './guac/token.ts';
import { sweepDrives } from './guac/session-streams.ts';
import { ensureDefaultPool } from './bootstrap-pool.ts';
import { createApp } from './http/app.ts';
import { createFileTransfers } from './files/transfers.ts';
import { createGuacd } from './guacd/create.ts';
import type { Guacd } from './guacd/guacd.ts';
import { answerClientError } from './http/client-error.ts';
import { createAgentHub } from './hub/agent-hub.ts';
import type { Logger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { socketLink, wsLink, type DesktopLink } from './relay/desktop-link.ts';
import { openStore, storeLabel } from './store/open.ts';
import { setUpRecording, type GatewayRecording } from './recording/setup.ts';
import type { Desktop, Session, Store } from './store/types.ts';
import { launchEmbeddedAgent, type EmbeddedAgent, type EmbeddedAgentHandle, type EmbeddedAgentStart } from './embedded-agent.ts';
import { originAllowed, refuseUpgrade } from './util/ws.ts';

export interface GatewayOptions {
  config: Config;
  log: Logger;
  clock?: Clock;
  /** Starts the in-process agent once the gateway listens (the `up` command); none without it. */
  embeddedAgent?: (o: EmbeddedAgentStart) => Promise<EmbeddedAgent>;
  sweepIntervalMs?: number;
  /** guacd for RDP/SSH; default: from the configuration (server/guacd/create.ts). Tests pass NO_GUACD or their own. */
  guacd?: Guacd;
}

export interface Gateway {
  url: string;
  server: Server;
  /** The gateway's guacd (supervised, external or absent): what RDP/SSH displays connect to. */
  guacd: Guacd;
  /** Set when this start created the admin with a random password: shown once, never logged. */
  generatedAdminPassword?: string;
  /** Existing machines (server/broker/machines.ts): for the /ws/rdp tunnel (machineConnection, open). */
  machines: Machines;
  stop(): Promise<void>;
}

export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const { config, log } = o;
  if (!existsSync(config.dataDir)) mkdirSync(config.dataDir, { recursive: true });
  // Traversable but not listable: desktop homes live below, owned by their own unprivileged users.
  chmodSync(config.dataDir, 0o711);
  const store = await openStore({
    store: config.store,
    dataDir: config.dataDir,
    log,
  });
  try {
    return await assemble(o, store);
  } catch (err) {
    // A failed start leaves nothing held: on PostgreSQL the pool.
    await store.close().catch(() => undefined);
    throw err;
  }
}

async function assemble(o: GatewayOptions, store: Store): Promise<Gateway> {
  const { config, log } = o;
  const clock = o.clock ?? systemClock;
  const audit = createAudit(store, log);
  const keys = loadVaultKeys(config.dataDir, config.vaultKey);
  if (keys.created) log.info({ file: keys.created }, 'created the vault key for machine secrets (back it up with the database)');
  const vault = createVault(keys.primary, keys.older);
  // The vault also seals the directory password a sign-in keeps for passthrough machines.
  const authDeps = { store, clock, log, audit, config, vault };
  const admin = await ensureAdmin(authDeps, config.adminPassword ? { password: config.adminPassword } : {});
  if (admin.created) await ensureDefaultPool(store, clock, config.localCapacity);

  // guacd (RDP/SSH) is not needed by VNC: it starts beside the rest and comes up in the background.
  const guacd = o.guacd ?? createGuacd(config, log);
  const hub = createAgentHub({
    store,
    clock,
    log,
    audit,
    heartbeatTimeoutMs: config.agentTimeoutS * 1000,
    gateways: () => shared.gatewayList(),
    onHeld: (hostId, held) => shared.hostHeld(hostId, held),
  });
  const { id: gatewayId, previous } = gatewayIdentity(config.dataDir);
  // Streams and displays, shared with the other gateways on this store (none on SQLite).
  const shared = createGatewayCluster({
    gatewayId,
    previousId: previous,
    store,
    clock,
    log,
    detached: (id) => broker!.viewerDetached(id),
    advertiseUrl: config.advertiseUrl,
    severalGateways: store.signals.shared,
    agentTimeoutMs: config.agentTimeoutS * 1000,
  });
  const { events, viewers } = shared;
  const history = createMetricsHistory({
    store,
    clock,
    hostsOnline: () => hub.connectedHosts().length,
    intervalMs: config.metricsIntervalS * 1000,
  });
  history.start((err) => log.warn({ err }, 'metrics history sample failed'));
  let recording: GatewayRecording | undefined;
  const metrics = createMetrics({
    recording: () => recording?.metrics() ?? { bytes: 0, failures: 0, active: 0 },
    store,
    agentsOnline: () => hub.connectedHosts().length,
    viewers: () => viewers.total(),
    history,
    guacd: () => guacd.status(),
  });
  const ctx: BrokerCtx = {
    store,
    clock,
    log,
    audit,
    events,
    viewers,
    metrics,
    guacd,
    stopping: false,
    creating: new Set(),
    hosts: {
      request: (hostId, body, timeoutMs) => {
        const c = hub.connection(hostId);
        return c ? c.request(body, timeoutMs) : Promise.reject(new Error('the desktop host is not connected'));
      },
      isConnected: (hostId) => hub.connection(hostId) !== undefined,
    },
  };
  const tickets = createTickets({ store, clock, ttlS: config.ticketTtlS });
  /** The session's policy as stored now (server/broker/policy.ts): recording, files, clipboard, sound. */
  const sessionPolicy = (s: Pick<Session, 'poolId' | 'machineId'>) => policyOf(store, s);
  const shadows = createShadows(ctx);
  let broker: Broker | undefined;
  const machines = createMachines({
    store,
    clock,
    log,
    audit,
    vault,
    isConnected: (id) => hub.connection(id) !== undefined,
    guacd: () => o.guacd?.status() ?? null,
    endSession: (...a) => broker!.end(...a),
    access: { userChanged: (...a) => access.userChanged(...a), poolChanged: (...a) => access.poolChanged(...a) },
    dial: (hostId, target) => hub.connectTarget(hostId, target),
  });
  broker = createBroker(ctx, tickets, shadows, machines);
  const access = createAccessGuard({ store, audit, log, viewers, shadows, endSession: broker.end });
  // Desktops of the embedded agent are reached through its driver's socket (no WebSocket hop)
  // unless configured otherwise; every other host's through its agent's dial-back stream.
  let embedded: EmbeddedAgentHandle | undefined;
  const openDesktop = async (d: Desktop, channel: 'vnc' | 'rdp' | 'audio' = 'vnc'): Promise<DesktopLink> => {
    if (embedded && d.hostId === embedded.hostId() && config.embeddedStreams === 'direct')
      return socketLink(await embedded.agent.openLocalStream(d.id, channel));
    return wsLink(await hub.openStream(d.hostId, d.id, 10_000, channel));
  };
  const guacConnections = createGuacConnections();
  recording = await setUpRecording({
    config,
    store,
    audit,
    log,
    clock,
    events,
    openDesktop: (d) => openDesktop(d),
    policyOf: sessionPolicy,
    policyOfTarget: (t) => sessionPolicy({ poolId: null, machineId: null, ...t }),
    view: (s) => broker!.view(s),
    guacJoin: { guacd, connections: guacConnections, snapshot: (id) => rdpDisplay.snapshots.request(id) },
  });
  ctx.recording = recording.broker;
  const guacTokens = createGuacTokens(guacTokenKey(keys.primary));
  const thumbnails = createThumbnails({
    openStream: openDesktop,
    guac: { endpoint: () => guacd.endpoint(), connections: guacConnections },
  });
  const thumbnail = (sessionId: string) => sessionThumbnail(store, thumbnails, sessionId);
  const timers = createTimers(ctx, broker);
  let sweepLoop: ReturnType<typeof startSweepLoop> | undefined;
  const hostEvents = createHostEvents(ctx, broker, { severalGateways: store.signals.shared, alone: shared.alone });
  shared.wireAgents({ hub, hostEvents, leading: () => sweepLoop?.leading() ?? false });
  await shared.start();
  // Other gateways running on this store now: a starting one touches nothing of theirs, and waits its turn for the sweep.
  const others = await shared.others();
  if (others && !config.advertiseUrl)
    log.warn(
      'no --advertise-url: agents that reach this gateway keep their one connection to it, and other gateways on this database cannot open their desktops (docs/store.md)',
    );
  await hostEvents.onStart(others);

  let url = ''; // the bound address, known after listen
  const providers = createProviderRegistry(store, log);
  await providers.reload();
  // The desktop's sound (server/audio/), allowed by the session's policy.
  const audioAccess = createAudioAccess({ store, shadows, policyOf: sessionPolicy });
  const audioTickets = createAudioTickets({ clock, store });
  const app = createApp({
    snapshots: createSnapshots(ctx),
    providers,
    publicUrl: () => config.publicUrl?.replace(/\/$/, '') ?? url,
    ...authDeps,
    access,
    broker,
    machines,
    events,
    metrics,
    maxBodyBytes: config.maxBodyBytes,
    metricsPublic: config.metricsPublic,
    shadows,
    tickets,
    thumbnail,
    displayUrl: createDisplayUrl({ store, tokens: guacTokens }),
    history: async () => ({ ...(await history.answer()), alerts: recording!.alerts() }),
    recordings: { store, audit, dir: recording.dir, retention: recording.retention },
    connected: (id) => hub.connection(id) !== undefined,
    diskUsage: (id) => hub.connection(id)?.disk,
    removeHost: (id, reason) => hub.removeHost(id, reason),
    files: createFileTransfers({ store, hub, audit, log, policyOf: sessionPolicy }),
    guacd,
    audio: { access: audioAccess, tickets: audioTickets },
    // guacd is reported but never makes the gateway unready: VNC desktops work without it.
    ready: async () => {
      const checks: Record<string, boolean> = { store: await store.ping() };
      if (o.embeddedAgent) checks.agent = embedded?.ready() ?? false;
      return { ok: Object.values(checks).every(Boolean), checks, guacd: guacd.status().state };
    },
  });
  const admission = createAdmission({
    maxViewers: config.maxViewers,
    maxLoopDelayMs: config.maxLoopDelayMs,
    openViewers: () => viewers.total(),
  });
  const gateDeps: DisplayGateDeps = {
    broker,
    admission: admission.refusal,
    viewers,
    log,
    metrics,
    activity: timers.activity,
    originAllowed: (req, origin) => originAllowed(config.publicUrl, req.headers.host, origin),
    onShadowDisplay: async (shadowId, userId) => {
      const u = await store.getUser(userId);
      await audit.record({ actor: u?.username ?? userId, action: 'shadow.start', target: shadowId, result: 'ok', ip: null, details: {} });
    },
  };
  const display = createVncEndpoint({
    ...gateDeps,
    openDesktop,
    maxClipboardBytes: config.maxClipboardBytes,
    policyOf: sessionPolicy, // #13: the clipboard policy, enforced by the relay
  });
  const drivesDir = join(config.dataDir, 'guac-drives');
  sweepDrives(drivesDir);
  const rdpDisplay = createGuacEndpoint({
    ...gateDeps,
    guacd,
    tokens: guacTokens,
    connections: guacConnections,
    viewerTimeoutMs: config.viewerTimeoutS * 1000,
    recordGuac: recording.recordGuac,
    openDesktop,
    poolProtocol: async (poolId) => (await store.getPool(poolId))?.protocol ?? null,
    openMachine: async (session, webSessionId) => {
      const { connection, stream } = await machines.open(session, webSessionId);
      return { protocol: connection.protocol, settings: connection.settings, link: wsLink(stream) };
    },
    // #13 files on existing machines: RDP drive folders, and every transfer through guacd audited.
    drivesDir,
    policyOf: sessionPolicy,
    onTransfer: auditGuacTransfer({ store, audit, log }),
  });
  const audio = createAudioEndpoint({
    store,
    access: audioAccess,
    tickets: audioTickets,
    openDesktop,
    originAllowed: gateDeps.originAllowed,
    log,
  });
  const server = createServer(app);
  server.on('clientError', answerClientError);
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => undefined);
    if (
      display.handleUpgrade(req, socket, head) ||
      rdpDisplay.handleUpgrade(req, socket, head) ||
      audio.handleUpgrade(req, socket, head) ||
      hub.handleUpgrade(req, socket, head)
    )
      return;
    refuseUpgrade(socket, 404, 'no WebSocket endpoint here');
  });
  const { host, port } = splitListen(config.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const boundPort = typeof addr === 'object' && addr ? addr.port : port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  url = `http://${urlHost}:${boundPort}`;
  log.info({ url, dataDir: config.dataDir, store: storeLabel(config.store, config.dataDir) }, 'gateway listening');

  // Alone on its store (docs/store.md), it takes the sweep lease over at start; among others, it waits its turn.
  sweepLoop = startSweepLoop({
    store,
    clock,
    log,
    holder: gatewayId,
    takeOver: !others,
    intervalMs: o.sweepIntervalMs ?? 1000,
    everyTick: () => {
      void shadows.sweep().catch((err: unknown) => log.warn({ err }, 'shadow sweep failed'));
      recording!.sweep();
    },
    sweep: (leading) => timers.sweep(leading),
  });

  if (o.embeddedAgent) embedded = await launchEmbeddedAgent(o.embeddedAgent, { store, clock, config, log, gatewayUrl: url });

  return {
    url,
    server,
    guacd,
    ...(admin.generatedPassword ? { generatedAdminPassword: admin.generatedPassword } : {}),
    machines,
    async stop() {
      ctx.stopping = true;
      await sweepLoop.stop();
      history.stop();
      admission.stop();
      providers.stop();
      await recording!.stop();
      await embedded?.agent.stop();
      display.close();
      rdpDisplay.close();
      audio.close();
      await hub.close();
      await shared.stop();
      await guacd.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
      log.info('gateway stopped');
    },
  };
}
