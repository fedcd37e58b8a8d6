// Several gateways as the operator runs them: `bin/deskport gateway` processes (each in its own
// process group, so a test can kill -9 one) on one PostgreSQL, behind haproxy started from
// infra/haproxy.cfg with its bind and server lines swapped for loopback ports.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { group, startUntil, type GroupProcess } from './agent-process.ts';
import { startEmbeddedAgent } from '../../agents/embedded.ts';
import type { Agent } from '../../agents/agent.ts';
import { silentLogger } from '../../server/log.ts';
import { ADMIN_PASSWORD, endLiveSessions, signIn, type Api } from './gateway.ts';
import { removeAllDesktops } from '../../agents/process/testing.ts';
import { until } from './until.ts';
import { freePort } from './xvnc.ts';

const BIN = join(process.cwd(), 'bin/deskport');

export interface GatewayProcess extends GroupProcess {
  url: string;
  dataDir: string;
  /** SIGTERM, as an operator's restart does; resolves once it has exited (SIGKILL after 20 s). */
  term(): Promise<void>;
}

/** A gateway process on `port`, sharing `store`; resolves once it listens. */
export async function startGatewayProcess(store: string, vaultKey: string, port: number): Promise<GatewayProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'deskport-gw-'));
  const url = `http://127.0.0.1:${port}`;
  const p = await startUntil(BIN, ['gateway', '--listen', `127.0.0.1:${port}`, '--data', dataDir, '--no-guacd'], /gateway listening/, {
    ...process.env,
    DESKPORT_STORE: store,
    DESKPORT_VAULT_KEY: vaultKey,
    DESKPORT_ADVERTISE_URL: url,
    DESKPORT_ADMIN_PASSWORD: ADMIN_PASSWORD,
    DESKPORT_LOG_LEVEL: 'info',
  });
  // Its output is not read any more: keep the pipes drained so it never blocks on a full pipe.
  p.child.stdout?.resume();
  p.child.stderr?.resume();
  return {
    ...p,
    url,
    dataDir,
    async stop() {
      await p.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    async term() {
      const child = p.child;
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const late = setTimeout(() => void p.stop(), 20_000);
        await gone;
        clearTimeout(late);
      }
      await p.stop(); // anything it left in its group
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** haproxy from infra/haproxy.cfg in front of `backends` (host:port), listening on a loopback port. */
export async function startHaproxy(backends: string[], listenPort?: number): Promise<GroupProcess & { url: string }> {
  const port = listenPort ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'deskport-lb-'));
  let cfg = readFileSync(join(process.cwd(), 'infra/haproxy.cfg'), 'utf8').replace(/^  bind :8080$/m, `  bind 127.0.0.1:${port}`);
  cfg = cfg.replace(/^  server gw\d .*\n/gm, '');
  cfg = cfg.trimEnd() + '\n' + backends.map((b, i) => `  server gw${i + 1} ${b}`).join('\n') + '\n';
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, cfg);
  const child = spawn('haproxy', ['-db', '-f', file], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let said = '';
  child.stderr?.on('data', (d: Buffer) => (said = (said + d.toString()).slice(-2000)));
  const g = group(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await fetch(`${url}/readyz`).catch(() => null);
    if (r?.ok) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      await g.stop();
      throw new Error(`haproxy did not come up: ${said}`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  return {
    ...g,
    url,
    async stop() {
      await g.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An agent with the real process driver, enrolled through `url` (a gateway or haproxy); resolves with its host id once welcomed. */
export async function startAgentVia(
  url: string,
  admin: Api,
  dir: string,
  extra: { monitorIntervalMs?: number; fallbackMs?: number } = {},
): Promise<{ agent: Agent; hostId: string }> {
  const token = ((await admin.post('/api/v1/admin/hosts/enrollments')).body as { token: string }).token;
  const agent = await startEmbeddedAgent({
    gatewayUrl: url,
    dataDir: dir,
    stateDir: join(dir, 'agent'),
    capacity: { desktops: 4 },
    enrollToken: async () => token,
    log: silentLogger(),
    ...extra,
  });
  return { agent, hostId: (await agent.ready).hostId };
}

/** Resolves once the host is online and its agent connected on each of the gateways (admin APIs). */
export async function connectedEverywhere(apis: Api[], hostId: string): Promise<void> {
  for (const api of apis)
    await until('the host connected to each gateway', async () =>
      ((await api.get('/api/v1/admin/hosts')).body as { id: string; connected: boolean; state: string }[]).some(
        (h) => h.id === hostId && h.connected && h.state === 'online',
      ),
    );
}

/**
 * Stops everything a several-gateways test or benchmark started, each step whatever happened
 * before: sessions ended through `lbUrl` when a gateway still answers (so the agent destroys their
 * desktops), the agent, haproxy, the gateways, then whatever desktops are left in `agentDir`.
 */
export async function stopAll(o: {
  lbUrl?: string | undefined;
  agent?: Agent | undefined;
  lb?: GroupProcess | undefined;
  gateways: GatewayProcess[];
  agentDir?: string | undefined;
}): Promise<void> {
  if (o.lbUrl) {
    try {
      await endLiveSessions(await signIn(o.lbUrl, 'admin', ADMIN_PASSWORD));
    } catch {
      // no gateway answers: the desktops go below
    }
  }
  await o.agent?.stop().catch(() => undefined);
  await o.lb?.stop();
  for (const g of o.gateways) await g.stop();
  if (o.agentDir) await removeAllDesktops(o.agentDir);
}

/** The `deskport_viewers` gauge of one gateway: the displays it serves itself. */
export async function displaysOn(g: { url: string }): Promise<number> {
  const text = await (await fetch(`${g.url}/metrics`)).text();
  return Number(/^deskport_viewers (\d+)/m.exec(text)?.[1] ?? 'NaN');
}
