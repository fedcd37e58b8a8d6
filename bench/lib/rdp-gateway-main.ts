// Child process for bench/rdp.ts: a real gateway as `bin/deskport up --guacd HOST:PORT` runs it
// (embedded agent, real process driver: Xvnc and xrdp desktops), in its own process so its CPU is
// its own. It also answers `forward` requests: the existing-machine path of /ws/rdp without guacd
// (machines.open → hub.connectTarget → agent stream.connect → one-connection loopback forward).
import { startEmbeddedAgent } from '../../agents/embedded.ts';
import { loadConfig } from '../../server/config.ts';
import { openForward, type Forward } from '../../server/display/forward.ts';
import { startGateway } from '../../server/gateway.ts';
import { createLogger } from '../../server/log.ts';
import { wsLink } from '../../server/relay/desktop-link.ts';
import { serveParent } from './child-side.ts';

export interface RdpGatewayChildOptions {
  dataDir: string;
  adminPassword: string;
  /** guacd as HOST:PORT (the bench starts it in its own process group). */
  guacd: string;
  logLevel?: string;
}

const o = JSON.parse(process.env.BENCH_RDP_GATEWAY ?? '{}') as RdpGatewayChildOptions;
try {
  const config = loadConfig(
    { listen: '127.0.0.1:0', dataDir: o.dataDir, guacd: o.guacd },
    { DESKPORT_ADMIN_PASSWORD: o.adminPassword, DESKPORT_LOG_LEVEL: o.logLevel ?? 'info' },
  );
  const log = createLogger({ level: config.logLevel });
  const gw = await startGateway({
    config,
    log,
    embeddedAgent: (a) => startEmbeddedAgent({ ...a, sessionNetwork: config.desktopNetwork }),
  });
  const deadline = Date.now() + 30_000;
  while (
    !(await fetch(`${gw.url}/readyz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline) throw new Error('gateway not ready in 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  const forwards = new Map<number, Forward>();
  serveParent(
    async (m) => {
      if (m.type === 'forward' && typeof m.sessionId === 'string') {
        const { stream } = await gw.machines.open(m.sessionId);
        const fwd = await openForward({ link: wsLink(stream), log });
        forwards.set(fwd.port, fwd);
        void fwd.done.then(() => forwards.delete(fwd.port));
        return { port: fwd.port };
      }
      throw new Error(`unknown request ${String(m.type)}`);
    },
    async () => {
      for (const f of forwards.values()) f.close('bench over');
      await gw.stop();
    },
  );
  process.send?.({ type: 'ready', url: gw.url });
} catch (err) {
  process.send?.({ type: 'failed', error: (err as Error).stack ?? String(err) });
  process.exit(1);
}
