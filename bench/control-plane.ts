// Control plane (issues #4, #15): the broker with 1,000 simulated hosts and 20,000 live sessions in
// the SQLite store, or with --store postgres in a private PostgreSQL 15 cluster started for the run
// (result control-plane.postgres with --tag postgres; the report sets the two side by side). Measures, in this process over the real store and broker code: placement
// decisions (pickHost: the store queries plus chooseHost) and the pure chooseHost over the same
// 1,000 candidates, session creation (broker.launch until the session exists, and until it is
// ready), and one broker sweep (which reads only the sessions due). Then the same data dir behind a real
// gateway (a child process) under 200 concurrent API clients: latency per endpoint, requests/s.
// "Simulated hosts" are host rows reported connected, whose agent answers every request at once:
// what is measured is the gateway's own decision cost.
// Usage: node --import tsx bench/control-plane.ts [--hosts 1000] [--sessions 20000] [--clients 200] [--api-s 8] [--profile] [--api-only]
//        [--store sqlite|postgres] [--tag NAME]
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createAudit } from '../server/audit.ts';
import { createBroker } from '../server/broker/broker.ts';
import type { BrokerCtx } from '../server/broker/transitions.ts';
import { pickHost } from '../server/broker/desktops.ts';
import { chooseHost } from '../server/broker/placement.ts';
import { SessionEvents } from '../server/broker/session-events.ts';
import { createTickets } from '../server/broker/tickets.ts';
import { createTimers } from '../server/broker/timers.ts';
import { Viewers } from '../server/broker/viewers.ts';
import { systemClock } from '../server/clock.ts';
import { POOL_DEFAULTS } from '../contract/api/admin.ts';
import { silentLogger } from '../server/log.ts';
import { createMetrics } from '../server/metrics.ts';
import { openStore } from '../server/store/open.ts';
import { startPostgres, type PostgresCluster } from '../test/helpers/postgres.ts';
import type { Pool, Store, User } from '../server/store/types.ts';
import { newId, secretToken, sha256, vncSecret } from '../server/util/random.ts';
import { machineWatch, watch } from './lib/procstat.ts';
import { args, initRun, LOGS_DIR, PROFILES_DIR, readResult, resultName, writeResult } from './lib/results.ts';
import { controlPlaneStoresSection } from './lib/report-raw.ts';
import { spliceSection } from './lib/report-section.ts';
import { runDir, startDeskport } from './lib/stack.ts';
import { fmt, Samples, type Summary } from './lib/stats.ts';

const a = args();
const HOSTS = Number(a.get('hosts') ?? 1000);
const SESSIONS = Number(a.get('sessions') ?? 20000);
const CLIENTS = Number(a.get('clients') ?? 200);
const API_MS = Number(a.get('api-s') ?? 8) * 1000;
const profile = a.has('profile');
/** Only the API part (for a profiling pass): seed, then straight to the gateway under load. */
const apiOnly = a.has('api-only');
const STORE = a.get('store') ?? 'sqlite';
if (STORE !== 'sqlite' && STORE !== 'postgres') throw new Error('--store must be sqlite or postgres');

const NAME = resultName('control-plane');
const started = new Date();
initRun(NAME);
const run = runDir(NAME, LOGS_DIR);
const dataDir = join(run.dir, 'data');
const log = silentLogger();

async function timed(n: number, fn: (i: number) => Promise<unknown>): Promise<{ perSecond: number; ms: Summary }> {
  const s = new Samples(n);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    s.push(performance.now() - t);
  }
  return { perSecond: n / ((performance.now() - t0) / 1000), ms: s.summary() };
}

const data: Record<string, unknown> = {};

/** Placement, session creation and the sweep, in this process over the seeded store. */
async function brokerFigures(store: Store, pool: Pool, users: User[]): Promise<void> {
  const ctx: BrokerCtx = {
    store,
    clock: systemClock,
    log,
    audit: createAudit(store, log),
    events: new SessionEvents(),
    viewers: new Viewers(),
    metrics: createMetrics({ store, agentsOnline: () => HOSTS, viewers: () => 0 }),
    stopping: false,
    creating: new Set(),
    hosts: { request: () => new Promise((r) => setImmediate(() => r({}))), isConnected: () => true },
  };
  const broker = createBroker(ctx, createTickets({ store, clock: systemClock, ttlS: 30 }));
  const timers = createTimers(ctx, broker);

  const candidates = await Promise.all(
    (await store.listHosts()).map(async (host) => ({
      host,
      desktops: await store.countDesktops({ hostId: host.id, state: ['creating', 'running', 'stopping'] }),
    })),
  );
  data.chooseHost = await timed(5000, async () => chooseHost(candidates, 'process', 'breadth'));
  data.pickHost = await timed(200, () => pickHost(ctx, pool));
  console.log(
    `control-plane: placement (pickHost, store + choice): ${fmt((data.pickHost as { perSecond: number }).perSecond)}/s; chooseHost alone ${fmt((data.chooseHost as { perSecond: number }).perSecond)}/s`,
  );

  // Session creation: sequential (latency), then 50 in flight (throughput). "Created" is when
  // POST /sessions would answer; "ready" is when the simulated agent's reply made it ready.
  const createdMs = new Samples(1000);
  const readyMs = new Samples(1000);
  const launchOne = async (u: User) => {
    const t = performance.now();
    const { session } = await broker.launch(u, pool.id, '127.0.0.1');
    createdMs.push(performance.now() - t);
    for (;;) {
      const s = await store.getSession(session.id);
      if (s?.state !== 'starting') break;
      await new Promise((r) => setImmediate(r));
    }
    readyMs.push(performance.now() - t);
  };
  const seq = await timed(300, (i) => launchOne(users[i]!));
  data.launchSequential = { perSecond: seq.perSecond, createdMs: createdMs.summary(), readyMs: readyMs.summary() };
  createdMs.clear();
  readyMs.clear();
  const tp = performance.now();
  let next = 300;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      for (let i = next++; i < 1000; i = next++) await launchOne(users[i]!);
    }),
  );
  data.launchParallel50 = {
    perSecond: 700 / ((performance.now() - tp) / 1000),
    createdMs: createdMs.summary(),
    readyMs: readyMs.summary(),
  };
  console.log(
    `control-plane: launches: sequential ${fmt(seq.perSecond)}/s (created p99 ${fmt((data.launchSequential as { createdMs: Summary }).createdMs.p99)} ms), 50 in flight ${fmt((data.launchParallel50 as { perSecond: number }).perSecond)}/s`,
  );

  data.sweep = await timed(5, () => timers.sweep());
  console.log(
    `control-plane: one broker sweep over ${SESSIONS + 1000} live sessions: p50 ${fmt((data.sweep as { ms: Summary }).ms.p50)} ms`,
  );
}

let cluster: PostgresCluster | undefined;
try {
  // ---- seed: hosts, live sessions on running desktops, users (200 with API tokens) ----
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  if (STORE === 'postgres') cluster = await startPostgres();
  const storeSpec = cluster ? await cluster.createDatabase('bench') : 'sqlite';
  const store = await openStore({ store: storeSpec, dataDir });
  const now = Date.now();
  const t0 = performance.now();
  const pool: Pool = {
    ...POOL_DEFAULTS,
    groups: [],
    id: newId('p'),
    name: 'Bench pool',
    driver: 'process',
    protocol: 'vnc',
    maxDesktops: 100_000,
    graceS: 86_400,
    idleTimeoutS: 0,
    maxLifetimeS: 0,
    createdAt: now,
  } as Pool;
  await store.createPool(pool);
  const hostIds: string[] = [];
  for (let i = 0; i < HOSTS; i++) {
    const h = await store.createHost({
      id: newId('h'),
      name: `sim-${i}`,
      labels: {},
      drivers: ['process'],
      capacity: { desktops: Math.ceil((2 * SESSIONS) / HOSTS) + 10, cpu: 16, memoryMb: 65536 },
      state: 'online',
      credentialHash: sha256(secretToken()),
      lastHeartbeatAt: now,
      createdAt: now,
    });
    hostIds.push(h.id);
  }
  const users: User[] = [];
  const tokens: { token: string; sessionId: string }[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const hostId = hostIds[i % HOSTS]!;
    let userId = `u-seeded-${i}`;
    if (i < CLIENTS) {
      const u = await store.createUser({
        id: newId('u'),
        username: `api${i}`,
        displayName: `API client ${i}`,
        roles: ['user'],
        groups: [],
        disabled: false,
        passwordHash: null,
        createdAt: now,
      });
      userId = u.id;
      const token = `dpt_${secretToken()}`;
      await store.createApiToken({
        id: randomUUID(),
        userId,
        name: 'bench',
        hash: sha256(token),
        createdAt: now,
        expiresAt: null,
        lastUsedAt: null,
      });
      tokens.push({ token, sessionId: '' });
    }
    const d = await store.createDesktop({
      id: newId('d'),
      poolId: pool.id,
      hostId,
      state: 'running',
      ownerId: userId,
      secret: vncSecret(),
      error: null,
      createdAt: now,
      updatedAt: now,
    });
    const s = await store.createSession({
      id: newId('s'),
      poolId: pool.id,
      userId,
      state: 'ready',
      desktopId: d.id,
      hostId,
      createdAt: now,
      readyAt: now,
      endedAt: null,
      lastActivityAt: now,
      detachedAt: now,
      error: null,
    });
    if (i < CLIENTS) tokens[i]!.sessionId = s.id;
  }
  for (let i = 0; i < 1000; i++)
    users.push(
      await store.createUser({
        id: newId('u'),
        username: `launch${i}`,
        displayName: `Launcher ${i}`,
        roles: ['user'],
        groups: [],
        disabled: false,
        passwordHash: null,
        createdAt: now,
      }),
    );
  data.seedSeconds = (performance.now() - t0) / 1000;
  console.log(`control-plane: seeded ${HOSTS} hosts, ${SESSIONS} sessions in ${fmt(data.seedSeconds as number)} s`);

  if (!apiOnly) await brokerFigures(store, pool, users);
  await store.close();

  // ---- the same data behind a real gateway, 200 concurrent API clients ----
  const gw = await startDeskport({
    run,
    vncPort: 1,
    agent: 'none',
    dataDir,
    name: 'gateway-api',
    logLevel: 'warn',
    store: storeSpec,
    ...(profile ? { cpuProfDir: join(PROFILES_DIR, NAME) } : {}),
  });
  data.pids = { 'gateway (API)': gw.gatewayPid };
  try {
    const routes = ['GET /sessions/:id', 'GET /sessions', 'GET /pools', 'POST /sessions/:id/tickets'] as const;
    const lat = new Map(routes.map((r) => [r, new Samples(1 << 14)]));
    const errors = new Map<string, number>();
    let done = 0;
    await gw.gateway.request({ type: 'loop' });
    const w = watch([gw.gatewayPid], 500);
    const mw = machineWatch();
    const c0 = process.cpuUsage();
    const deadline = performance.now() + API_MS;
    const tApi = performance.now();
    await Promise.all(
      tokens.map(async ({ token, sessionId }, ci) => {
        const headers = { authorization: `Bearer ${token}`, origin: gw.url, 'content-type': 'application/json' };
        for (let k = ci; performance.now() < deadline; k++) {
          const route = routes[k % routes.length]!;
          const path = route.split(' ')[1]!.replace(':id', sessionId);
          const t = performance.now();
          const r = await fetch(
            `${gw.url}/api/v1${path}`,
            route.startsWith('POST') ? { method: 'POST', headers, body: '{"mode":"view"}' } : { headers },
          );
          await r.arrayBuffer();
          if (r.status >= 400) errors.set(`${route} ${r.status}`, (errors.get(`${route} ${r.status}`) ?? 0) + 1);
          lat.get(route)!.push(performance.now() - t);
          done++;
        }
      }),
    );
    const seconds = (performance.now() - tApi) / 1000;
    const c = process.cpuUsage(c0);
    const all = new Samples(done);
    for (const s of lat.values()) all.pushAll(s);
    data.api = {
      clients: tokens.length,
      seconds,
      requests: done,
      perSecond: done / seconds,
      ms: all.summary(),
      byRoute: Object.fromEntries([...lat].map(([r, s]) => [r, s.summary()])),
      errors: Object.fromEntries(errors),
      gateway: w.stop(),
      machine: mw.stop(),
      gatewayLoopDelayMs: await gw.gateway.request({ type: 'loop' }),
      clientCpuPct: (100 * (c.user + c.system)) / 1e6 / seconds,
    };
    const api = data.api as { gateway: { cpuPct: number }; gatewayLoopDelayMs: { p99: number; max: number }; clientCpuPct: number };
    console.log(
      `control-plane: API with ${tokens.length} clients: ${fmt(done / seconds)} req/s, p50 ${fmt(all.summary().p50)} ms, p99 ${fmt(all.summary().p99)} ms; gateway CPU ${fmt(api.gateway.cpuPct)} %, loop delay p99 ${api.gatewayLoopDelayMs.p99} ms max ${api.gatewayLoopDelayMs.max} ms; client CPU ${fmt(api.clientCpuPct)} %`,
    );
  } finally {
    await gw.stop();
  }
  const notes = [
    `${HOSTS} host rows (online, reported connected, capacity ${Math.ceil((2 * SESSIONS) / HOSTS) + 10} desktops each) and ${SESSIONS} ready sessions on running desktops, spread evenly; seeded through the Store interface.`,
    "pickHost is the broker's placement: listHosts, then one grouped countDesktopsByHost query, then chooseHost. chooseHost alone is the pure choice over the same 1,000 candidates.",
    "Launch: broker.launch for a new user (entitlement, limits, placement, session row, audit) until it returns, and until the simulated agent's create reply made the session ready. 300 sequential, then 700 with 50 in flight.",
    "Sweep: the broker's 1 s timer pass (grace, idle, lifetime, stuck launches), which the gateway runs on its event loop; it reads only the live sessions a rule may end now (Store.listDueSessions), none of the 20,000 here.",
    `API: a real gateway (child process) on the same data dir; ${CLIENTS} clients with their own API token and session, each looping GET /sessions/:id, GET /sessions, GET /pools, POST /sessions/:id/tickets with keep-alive, for ${API_MS / 1000} s. Hosts are not connected there (no agent), which these routes do not need.`,
  ];
  if (cluster) {
    notes.push(
      "Store: PostgreSQL 15 from Debian's package, a private cluster on 127.0.0.1 started for this run (fsync off, as in the tests), the gateway's pool at 10 connections; the same machine runs it, the gateway and the clients.",
    );
  }
  writeResult(NAME, started, { hosts: HOSTS, sessions: SESSIONS, clients: CLIENTS, apiMs: API_MS, profile, store: STORE }, notes, data);
  // Run alone after the SQLite run, the comparison goes into the report at once (a full run's report.ts writes it too).
  const sqlite = cluster ? readResult<Record<string, unknown>>('control-plane') : null;
  const mine = readResult<Record<string, unknown>>(NAME);
  if (sqlite && mine && !profile) spliceSection('control-plane-stores', controlPlaneStoresSection(sqlite, mine).replace(/^### /, '## '));
} finally {
  run.cleanup();
  await cluster?.stop();
}
