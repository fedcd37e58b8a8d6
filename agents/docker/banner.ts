// The docker driver's VNC endpoint is a unix socket in a bind-mounted host directory (the
// container has no network); readiness polling is shared with every driver in agents/banner.ts.
import { connect, type Socket } from 'node:net';

/** A connected stream to the desktop's VNC server. */
export function dialSocket(path: string, timeoutMs = 5_000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path });
    const timer = setTimeout(() => socket.destroy(new Error(`connect to ${path} timed out`)), timeoutMs);
    socket.once('connect', () => (clearTimeout(timer), resolve(socket)));
    socket.once('error', (err) => (clearTimeout(timer), reject(err)));
  });
}
