// The in-process agent of `bin/deskport up`: the same agent a remote host runs, dialling the gateway
// over loopback, with the process driver. cmd/ hands startGateway this as its embeddedAgent factory
// (server/ never imports agents/); the gateway mints an enrollment token only when asked for one.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { startAgent, type Agent } from './agent.ts';
import { CREDENTIAL_FILE } from './credential.ts';
import type { DesktopDriver } from './driver.ts';
import { createProcessDriver } from './process/driver.ts';
import type { TargetPolicy } from './targets.ts';

export interface EmbeddedAgentOptions {
  /** The gateway's own bound address, e.g. http://127.0.0.1:8080. */
  gatewayUrl: string;
  /** The gateway's data dir: the process driver keeps desktop state and homes below it. */
  dataDir: string;
  /** The agent's host credential and state. */
  stateDir: string;
  capacity: { desktops: number };
  /** A fresh one-time enrollment token; asked for only while no host credential is kept. */
  enrollToken(): Promise<string>;
  log: Logger;
  /** Network of the programs inside process desktops (DESKPORT_DESKTOP_NETWORK). */
  sessionNetwork?: 'none' | 'host';
  /** Tests and benchmarks swap the process driver for their own. */
  driver?: DesktopDriver;
  /** Networks of existing machines this agent may dial (agents/targets.ts; default private ranges). */
  targets?: TargetPolicy;
  /** Tests: how often it looks at its desktops and links, and when it dials the configured address again (agent.ts). */
  monitorIntervalMs?: number;
  fallbackMs?: number;
}

export async function startEmbeddedAgent(o: EmbeddedAgentOptions): Promise<Agent> {
  const credentialFile = join(o.stateDir, CREDENTIAL_FILE);
  const enrollToken = existsSync(credentialFile) ? undefined : await o.enrollToken();
  const driver =
    o.driver ?? createProcessDriver({ dataDir: o.dataDir, log: o.log, ...(o.sessionNetwork ? { sessionNetwork: o.sessionNetwork } : {}) });
  const agent = startAgent({
    gatewayUrl: o.gatewayUrl,
    stateDir: o.stateDir,
    name: hostname(),
    drivers: [driver],
    log: o.log,
    capacity: o.capacity,
    ...(o.targets ? { targets: o.targets } : {}),
    ...(o.monitorIntervalMs ? { monitorIntervalMs: o.monitorIntervalMs } : {}),
    ...(o.fallbackMs ? { fallbackMs: o.fallbackMs } : {}),
    ...(enrollToken ? { enrollToken } : {}),
  });
  // The built-in host deleted by an admin: the gateway serves on without it (readyz says so);
  // a restart without the kept credential enrolls it again with a fresh token.
  void agent.refused.then((r) => {
    o.log.error(
      { refusal: r.code },
      `the built-in agent was refused and stopped; to add the built-in host again, delete ${credentialFile} and restart`,
    );
  });
  return agent;
}
