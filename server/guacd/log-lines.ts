// guacd's own log lines ("guacd[1234]: WARNING:\tSupport for protocol …") turned into pino calls at
// the matching level, so `-L info` lines land in the gateway's log as info, warnings as warn.
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

/** Parses one line; lines that are not guacd's format keep `fallback` as level. */
export function parseGuacdLine(line: string, fallback: GuacdLine['level'] = 'info'): GuacdLine {
  const m = /^guacd\[(\d+)\]: ([A-Z]+):\s*(.*)$/.exec(line);
  const text = (m ? m[3]! : line).trimEnd().slice(0, MAX_LINE);
  if (m && LEVELS[m[2]!]) return { level: LEVELS[m[2]!]!, pid: Number(m[1]), msg: text };
  return { level: fallback, pid: null, msg: text };
}

/** Writes one guacd line into `log` (a child logger with component 'guacd'). */
export function logGuacdLine(log: Logger, line: string, fallback: GuacdLine['level']): void {
  if (!line.trim()) return;
  const l = parseGuacdLine(line, fallback);
  log[l.level](l.pid === null ? {} : { guacdPid: l.pid }, l.msg);
}
