// The gateway's side of its in-process agent (the `up` command): what it hands the agent, what it
// needs back, and starting it once the gateway listens with a one-time enrollment token.
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import type { Store } from './store/types.ts';
import { secretToken, sha256 } from './util/random.ts';

/** What the gateway hands its in-process agent. */
export interface EmbeddedAgentStart {
  gatewayUrl: string;
  dataDir: string;
  /** Where the agent keeps its host credential: <dataDir>/agent. */
  stateDir: string;
  capacity: { desktops: number };
  /** Mints a one-time enrollment token (valid 10 minutes), for an agent that holds no credential yet. */
  enrollToken(): Promise<string>;
  log: Logger;
}

/** What the gateway needs of its in-process agent. */
export interface EmbeddedAgent {
  /** Resolves after the agent's first welcome. */
  ready: Promise<{ hostId: string }>;
  /** Resolves if the gateway refused the agent for good; it has stopped dialling by then. */
  refused: Promise<unknown>;
  /** A socket straight to a desktop's VNC server, so display bytes skip the dial-back WebSocket. */
  openLocalStream(desktopId: string, channel?: 'vnc' | 'rdp' | 'audio'): Promise<Socket>;
  stop(): Promise<void>;
}

/** The started agent, and what the gateway tracks of it. */
export interface EmbeddedAgentHandle {
  agent: EmbeddedAgent;
  /** Its host id once welcomed. */
  hostId(): string | undefined;
  /** Welcomed and not refused since (readyz). */
  ready(): boolean;
}

export async function launchEmbeddedAgent(
  start: (o: EmbeddedAgentStart) => Promise<EmbeddedAgent>,
  o: { store: Store; clock: Clock; config: Config; log: Logger; gatewayUrl: string },
): Promise<EmbeddedAgentHandle> {
  const { store, clock, config } = o;
  const enrollToken = async (): Promise<string> => {
    const token = secretToken('dpe_');
    await store.createEnrollmentToken({ hash: sha256(token), createdAt: clock.now(), expiresAt: clock.now() + 600_000, usedAt: null });
    return token;
  };
  const agent = await start({
    gatewayUrl: o.gatewayUrl,
    dataDir: config.dataDir,
    stateDir: join(config.dataDir, 'agent'),
    capacity: { desktops: config.localCapacity },
    enrollToken,
    log: o.log,
  });
  let hostId: string | undefined;
  let ready = false;
  void agent.ready.then((r) => {
    hostId = r.hostId;
    ready = true;
  });
  // The built-in host deleted by an admin: the gateway serves on without it (readyz says so).
  void agent.refused.then(() => (ready = false));
  return { agent, hostId: () => hostId, ready: () => ready };
}
