// Child process: a real Deskport gateway (server/gateway.ts) on loopback with a fresh data dir,
// either with the embedded agent running the bench driver (what `bin/deskport up` runs, with the
// fake VNC server in place of Xvnc) or with no agent (one joins from agent-main.ts). Bench users
// with API tokens and an enrollment token are written into the store after start, the way an
// admin would create them, but without argon2 so a thousand users cost nothing.
import { randomUUID } from 'node:crypto';
import { startEmbeddedAgent } from '../../agents/embedded.ts';
import { loadConfig } from '../../server/config.ts';
import { startGateway } from '../../server/gateway.ts';
import { createLogger } from '../../server/log.ts';
import { openStore } from '../../server/store/open.ts';
import { newId, secretToken, sha256 } from '../../server/util/random.ts';
import { createBenchDriver } from './bench-driver.ts';
import { serveParent } from './child-side.ts';

export interface GatewayChildOptions {
  dataDir: string;
  /** embedded: the in-process agent; separate: an agent joins with the enrollment token; none: hosts only in the store. */
  agent: 'embedded' | 'separate' | 'none';
  vncPort: number;
  adminPassword: string;
  localCapacity?: number;
  /** Users bench0001… with one API token each (returned in the ready message). */
  users?: number;
  logLevel?: string;
  /** Experiment: the bench driver sets TCP_NODELAY on desktop sockets. */
  noDelay?: boolean;
  /** DESKPORT_STORE: sqlite (in dataDir) or a postgres:// URL. */
  store?: string;
}

export interface GatewayReady {
  type: 'ready';
  url: string;
  tokens: string[];
  enrollToken?: string;
}

const o = JSON.parse(process.env.BENCH_GATEWAY ?? '{}') as GatewayChildOptions;
try {
  const config = loadConfig(
    { listen: '127.0.0.1:0', dataDir: o.dataDir },
    {
      DESKPORT_ADMIN_PASSWORD: o.adminPassword,
      DESKPORT_LOCAL_CAPACITY: String(o.localCapacity ?? 8),
      DESKPORT_LOG_LEVEL: o.logLevel ?? 'info',
      DESKPORT_STORE: o.store ?? 'sqlite',
    },
  );
  const log = createLogger({ level: config.logLevel });
  const embedded = o.agent === 'embedded';
  const driver = embedded ? createBenchDriver({ vncPort: o.vncPort, noDelay: o.noDelay ?? false }) : undefined;
  const gw = await startGateway({ config, log, ...(driver ? { embeddedAgent: (a) => startEmbeddedAgent({ ...a, driver }) } : {}) });

  // A second connection to the same database (SQLite in WAL mode, or PostgreSQL): seed what the admin API would create.
  const store = await openStore({ store: config.store, dataDir: config.dataDir });
  const now = Date.now();
  const tokens: string[] = [];
  for (let i = 1; i <= (o.users ?? 0); i++) {
    const id = newId('u');
    await store.createUser({
      id,
      username: `bench${String(i).padStart(4, '0')}`,
      displayName: `Bench user ${i}`,
      roles: ['user'],
      groups: [],
      disabled: false,
      passwordHash: null,
      createdAt: now,
    });
    const token = `dpt_${secretToken()}`;
    await store.createApiToken({
      id: randomUUID(),
      userId: id,
      name: 'bench',
      hash: sha256(token),
      createdAt: now,
      expiresAt: null,
      lastUsedAt: null,
    });
    tokens.push(token);
  }
  let enrollToken: string | undefined;
  if (o.agent === 'separate') {
    enrollToken = secretToken('dpe_');
    await store.createEnrollmentToken({ hash: sha256(enrollToken), createdAt: now, expiresAt: now + 600_000, usedAt: null });
  }
  await store.close();

  if (embedded) {
    const deadline = Date.now() + 20_000;
    while (
      !(await fetch(`${gw.url}/readyz`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (Date.now() > deadline) throw new Error('gateway not ready');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  serveParent(
    async (m) => {
      throw new Error(`unknown request ${String(m.type)}`);
    },
    () => gw.stop(),
  );
  const ready: GatewayReady = { type: 'ready', url: gw.url, tokens, ...(enrollToken ? { enrollToken } : {}) };
  process.send?.(ready);
} catch (err) {
  process.send?.({ type: 'failed', error: (err as Error).stack ?? String(err) });
  process.exit(1);
}
