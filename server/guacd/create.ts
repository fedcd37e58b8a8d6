// Picks the gateway's guacd from its configuration: `off` → none (--no-guacd); HOST:PORT → an
// external one, probed; `auto` → supervise the guacd found on this machine, or absent with a line
// saying how to install one.
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { splitListen } from '../config.ts';
import type { Logger } from '../log.ts';
import { externalGuacd } from './external.ts';
import { NO_GUACD, type Guacd } from './guacd.ts';
import { locateGuacd } from './locate.ts';
import { problems } from './messages.ts';
import { superviseGuacd } from './supervisor.ts';

export function createGuacd(config: Pick<Config, 'guacd' | 'guacdSearch' | 'dataDir'>, log: Logger): Guacd {
  if (config.guacd === 'off') return NO_GUACD;
  if (config.guacd !== 'auto') return externalGuacd({ ...splitListen(config.guacd), log });
  const found = locateGuacd(config.guacdSearch);
  if (found.found) return superviseGuacd({ bin: found.bin, libDir: found.libDir, log, stateFile: join(config.dataDir, 'guacd.json') });
  const problem = found.why ? `RDP needs guacd: ${found.why}.` : problems.absent();
  log.warn({ component: 'guacd' }, problem);
  return {
    endpoint: () => null,
    status: () => ({ state: 'absent', mode: null, problem }),
    close: async () => {},
  };
}
