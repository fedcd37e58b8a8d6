// One connected agent: sends requests with ids, matches replies, times them out, and fails what
// is pending when the socket goes. Failures come back as data (AgentError), not stack traces.
import type { WebSocket } from 'ws';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { encode, type AgentRequest, type DiskUsageReport, type GatewaysMessage, type Hello, type Reply } from '../../contract/agent-v1.ts';
import { closeWs } from '../util/ws.ts';

export class AgentError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type RequestBody = AgentRequest extends infer R ? (R extends AgentRequest ? Omit<R, 'id'> : never) : never;

export interface AgentConnection {
  readonly hostId: string;
  readonly name: string;
  lastSeenAt: number;
  /** Last capacity the agent reported. */
  capacity?: { desktops: number; cpu: number; memoryMb: number };
  /** Disk its desktops hold, from its last heartbeat (drivers that keep disks: qemu). Kept in memory only. */
  disk?: DiskUsageReport;
  /** The agent's hello on this connection (its inventory then): for reconciling later, if the host turns out to have been away. */
  hello?: Hello;
  request(body: RequestBody, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** A message that needs no answer (the gateway list). */
  tell(m: GatewaysMessage): void;
  settle(reply: Reply): void;
  failPending(reason: string): void;
  close(code: number, reason: string): void;
  /** Drops a silent peer at once: a close handshake would wait on the very peer that went quiet. */
  terminate(): void;
}

const MAX_PENDING = 1000;

export function createAgentConnection(o: { ws: WebSocket; hostId: string; name: string; clock: Clock; log: Logger }): AgentConnection {
  const pending = new Map<string, { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let seq = 0;
  return {
    hostId: o.hostId,
    name: o.name,
    lastSeenAt: o.clock.now(),
    request(body, timeoutMs = 60_000) {
      if (pending.size >= MAX_PENDING) return Promise.reject(new AgentError('agent_busy', 'too many requests pending on this host'));
      const id = `r${++seq}`;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new AgentError('agent_timeout', `the host did not answer ${body.type} within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        o.ws.send(encode({ ...body, id } as AgentRequest), (err) => {
          if (!err) return;
          clearTimeout(timer);
          pending.delete(id);
          reject(new AgentError('agent_unreachable', 'could not send to the host'));
        });
      });
    },
    tell(m) {
      if (o.ws.readyState === o.ws.OPEN) o.ws.send(encode(m));
    },
    settle(reply) {
      const p = pending.get(reply.re);
      if (!p) return void o.log.debug({ hostId: o.hostId, re: reply.re }, 'reply to an unknown or timed-out request');
      pending.delete(reply.re);
      clearTimeout(p.timer);
      if (reply.ok) p.resolve(reply.result ?? {});
      else p.reject(new AgentError(reply.error.code, reply.error.message));
    },
    failPending(reason) {
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(new AgentError('agent_unreachable', reason));
      }
      pending.clear();
    },
    close(code, reason) {
      closeWs(o.ws, code, reason);
    },
    terminate() {
      o.ws.terminate();
    },
  };
}
