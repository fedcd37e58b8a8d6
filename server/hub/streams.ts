// Pending display-stream dial-backs: the relay asks for a stream, the agent dials back with the
// one-time key, and the waiting promise gets that WebSocket. Keys are compared by hash in
// constant time; unclaimed entries expire; the table is capped. Each entry knows its host, so a
// removed host's dial-backs still in flight fail at once.
import type { WebSocket } from 'ws';
import type { Logger } from '../log.ts';
import { newId, safeEqual, secretToken } from '../util/random.ts';

const MAX_PENDING_STREAMS = 2000;

interface Pending {
  hostId: string;
  key: string;
  resolve: (ws: WebSocket) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export function createStreamBroker(_deps: { log: Logger }) {
  const pending = new Map<string, Pending>();
  return {
    expect(hostId: string, timeoutMs: number): { streamId: string; key: string; socket: Promise<WebSocket> } {
      if (pending.size >= MAX_PENDING_STREAMS) throw new Error('too many display streams are being opened; try again');
      const streamId = newId('s');
      const key = secretToken();
      const socket = new Promise<WebSocket>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(streamId);
          reject(new Error('the desktop host did not open the display stream in time'));
        }, timeoutMs);
        pending.set(streamId, { hostId, key, resolve, reject, timer });
      });
      return { streamId, key, socket };
    },
    /** The dial-back with this id and key, consumed; undefined if unknown or wrong key. */
    take(streamId: string, key: string): { hostId: string; resolve: (ws: WebSocket) => void } | undefined {
      const p = pending.get(streamId);
      if (!p || !safeEqual(p.key, key)) return undefined;
      pending.delete(streamId);
      clearTimeout(p.timer);
      return { hostId: p.hostId, resolve: p.resolve };
    },
    /** Fails every dial-back still expected from this host. */
    failHost(hostId: string, err: Error): void {
      for (const [id, p] of pending) {
        if (p.hostId !== hostId) continue;
        pending.delete(id);
        clearTimeout(p.timer);
        p.reject(err);
      }
    },
    fail(streamId: string, err: Error): void {
      const p = pending.get(streamId);
      if (!p) return;
      pending.delete(streamId);
      clearTimeout(p.timer);
      p.reject(err);
    },
    close(): void {
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        p.reject(new Error('gateway shutting down'));
        pending.delete(id);
      }
    },
  };
}
