// Child process: the fake VNC server (fake-vnc.ts) on loopback. Replies `stats` over IPC.
import { serveParent } from './child-side.ts';
import { startFakeVnc } from './fake-vnc.ts';

const vnc = await startFakeVnc();
serveParent(
  async (m) => {
    if (m.type === 'stats') return vnc.stats();
    throw new Error(`unknown request ${String(m.type)}`);
  },
  () => vnc.close(),
);
process.send?.({ type: 'ready', plainPort: vnc.plainPort, driverPort: vnc.driverPort });
