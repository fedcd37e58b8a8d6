// Child process: a Deskport agent (agents/agent.ts) in its own process, enrolled with a one-time
// token, running the bench driver: the "remote host" layout, where the gateway process carries
// only the browser side and the dial-back side of each display stream.
import { startAgent } from '../../agents/agent.ts';
import { createLogger } from '../../server/log.ts';
import { createBenchDriver } from './bench-driver.ts';
import { serveParent } from './child-side.ts';

export interface AgentChildOptions {
  gatewayUrl: string;
  enrollToken: string;
  stateDir: string;
  vncPort: number;
  capacity: number;
  noDelay?: boolean;
}

const o = JSON.parse(process.env.BENCH_AGENT ?? '{}') as AgentChildOptions;
const agent = startAgent({
  gatewayUrl: o.gatewayUrl,
  enrollToken: o.enrollToken,
  stateDir: o.stateDir,
  name: 'bench-agent',
  drivers: [createBenchDriver({ vncPort: o.vncPort, noDelay: o.noDelay ?? false })],
  capacity: { desktops: o.capacity },
  log: createLogger({ level: 'warn' }),
});
const { hostId } = await agent.ready;
serveParent(
  async (m) => {
    throw new Error(`unknown request ${String(m.type)}`);
  },
  () => agent.stop(),
);
process.send?.({ type: 'ready', hostId });
