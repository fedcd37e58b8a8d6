// BENCH FIXTURE, not a real driver: a DesktopDriver whose "desktops" are entries in memory and
// whose display stream is a TCP connection to the fake VNC server (fake-vnc.ts). It lets the
// benchmarks drive the real gateway path (launch API, broker, agent protocol, ticket, /ws/vnc,
// dial-back stream, RFB-terminating relay) with a byte source instead of Xvnc. The desktop's
// secret (chosen by the gateway) is handed to the fake server on one preamble line before RFB.
import { connect, type Socket } from 'node:net';
import type { DesktopDriver, DesktopHandle } from '../../agents/driver.ts';
import { PREAMBLE_TAG } from './wire.ts';

export function createBenchDriver(o: {
  vncPort: number;
  host?: string;
  /** Experiment: TCP_NODELAY on the desktop socket (the real drivers leave Nagle on). */ noDelay?: boolean;
}): DesktopDriver {
  const desktops = new Map<string, DesktopHandle & { secret: string }>();
  return {
    name: 'process', // the default pool's driver: the pool and placement code paths stay the real ones
    async create(spec) {
      const h = { desktopId: spec.desktopId, state: 'running' as const, startedAt: Date.now(), secret: spec.secret };
      desktops.set(spec.desktopId, h);
      return { desktopId: h.desktopId, state: h.state, startedAt: h.startedAt };
    },
    async destroy(desktopId) {
      desktops.delete(desktopId);
    },
    async inspect(desktopId) {
      const h = desktops.get(desktopId);
      return h ? { desktopId: h.desktopId, state: h.state, startedAt: h.startedAt } : null;
    },
    async list() {
      return [...desktops.values()].map((h) => ({ desktopId: h.desktopId, state: h.state, startedAt: h.startedAt }));
    },
    openStream(desktopId): Promise<Socket> {
      const h = desktops.get(desktopId);
      if (!h) return Promise.reject(new Error(`bench driver: no desktop ${desktopId}`));
      return new Promise((resolve, reject) => {
        // Same dial as the process driver (agents/process/driver.ts): plain connect on loopback.
        const socket = connect({ host: o.host ?? '127.0.0.1', port: o.vncPort, noDelay: o.noDelay ?? false });
        socket.once('connect', () => {
          socket.write(`${PREAMBLE_TAG}${h.secret}\n`);
          resolve(socket);
        });
        socket.once('error', reject);
      });
    },
    async close() {},
  };
}
