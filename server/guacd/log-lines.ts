// guacd's own log lines ("guacd[1234]: WARNING:\tSupport for protocol …") turned into pino calls at
// the matching level, so `-L info` lines land in the gateway's log as info, warnings as warn. A few
// exact lines that are routine here are kept at debug (DEMOTED says why for each).
import type { Logger } from '../log.ts';

const LEVELS: Record<string, 'error' | 'warn' | 'info' | 'debug' | 'trace'> = {
  ERROR: 'error',
  WARNING: 'warn',
  INFO: 'info',
  DEBUG: 'debug',
  TRACE: 'trace',
};

export interface GuacdLine {
  level: 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** The process that wrote it (guacd's main process or one of its connection processes). */
  pid: number | null;
  msg: string;
}

const MAX_LINE = 2000;

/**
 * guacd's lines that are not errors for this gateway. guacd logs the first at ERROR whenever a
 * client leaves between `select` and `connect` (libguac user-handshake.c, unconditionally): the
 * supervisor's readiness probe does exactly that at every start (`select rdp` → `args`, then
 * disconnect: the only way to see the RDP plugin load without starting a connection), and so does
 * a viewer that leaves while its display opens, which the gateway logs itself.
 */
const DEMOTED = new Set(['Handshake failed, "connect" instruction was not received.']);

/** Parses one line; lines that are not guacd's format keep `fallback` as level. */
export function parseGuacdLine(line: string, fallback: GuacdLine['level'] = 'info'): GuacdLine {
  const m = /^guacd\[(\d+)\]: ([A-Z]+):\s*(.*)$/.exec(line);
  const text = (m ? m[3]! : line).trimEnd().slice(0, MAX_LINE);
  if (m && LEVELS[m[2]!]) return { level: DEMOTED.has(text) ? 'debug' : LEVELS[m[2]!]!, pid: Number(m[1]), msg: text };
  return { level: fallback, pid: null, msg: text };
}

/** Writes one guacd line into `log` (a child logger with component 'guacd'). */
export function logGuacdLine(log: Logger, line: string, fallback: GuacdLine['level']): void {
  if (!line.trim()) return;
  const l = parseGuacdLine(line, fallback);
  log[l.level](l.pid === null ? {} : { guacdPid: l.pid }, l.msg);
}
