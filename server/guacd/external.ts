// A guacd this gateway does not run (`--guacd HOST:PORT`, e.g. the official guacamole/guacd
// container): a periodic probe decides up or down. Coming up needs a full `select rdp` → `args`
// handshake; while up, a cheap probe (an unknown connection id, answered by guacd's router without
// starting a connection process) every interval keeps it up.
import type { Logger } from '../log.ts';
import type { Guacd, GuacdStatus } from './guacd.ts';
import { handshakeRdp, pingGuacd } from './handshake.ts';
import { statusListeners } from './listeners.ts';
import { problems } from './messages.ts';

export interface ExternalOptions {
  host: string;
  port: number;
  log: Logger;
  intervalMs?: number;
  timeoutMs?: number;
}

export function externalGuacd(o: ExternalOptions): Guacd & { onChange(fn: (s: GuacdStatus) => void): () => void } {
  const log = o.log.child({ component: 'guacd', guacd: `${o.host}:${o.port}` });
  const where = o.host.includes(':') ? `[${o.host}]:${o.port}` : `${o.host}:${o.port}`;
  const intervalMs = o.intervalMs ?? 10_000;
  const listeners = statusListeners(log);
  let up = false;
  let problem = `RDP needs guacd: the guacd at ${where} has not been checked yet.`;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let probing: Promise<void> = Promise.resolve();

  const status = (): GuacdStatus => ({ state: up ? 'up' : 'down', mode: 'external', problem: up ? null : problem });

  async function probe(): Promise<void> {
    const r = up ? await pingGuacd(o.host, o.port, o.timeoutMs) : await handshakeRdp(o.host, o.port, o.timeoutMs);
    if (closed) return;
    const was = up;
    const lastProblem = problem;
    up = r.ok;
    if (r.ok) {
      if (!was) log.info({ protocolVersion: 'version' in r ? r.version : undefined }, 'guacd is up');
    } else {
      problem = problems.unreachable(where, r.reason);
      if (was || problem !== lastProblem) log.warn({ reason: r.reason }, 'guacd does not answer');
    }
    if (was !== up || problem !== lastProblem) listeners.emit(status());
  }

  const loop = () => {
    probing = probe().finally(() => {
      if (!closed) timer = setTimeout(loop, intervalMs);
    });
  };
  loop();

  return {
    endpoint: () => (up ? { host: o.host, port: o.port } : null),
    status,
    onChange: (fn) => listeners.add(fn),
    async close() {
      closed = true;
      clearTimeout(timer);
      await probing;
    },
  };
}
