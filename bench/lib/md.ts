// Markdown helpers for report.ts: tables and number formats.
import { fmt } from './stats.ts';

/** A Markdown table; figures right-aligned unless `text` (all left, for prose cells). */
export function table(headers: string[], rows: (string | number | null | undefined)[][], text = false): string {
  const cell = (v: string | number | null | undefined) =>
    v === null || v === undefined ? '–' : typeof v === 'number' ? fmt(v) : v.replace(/\|/g, '\\|');
  // First column left (labels), the rest right (figures).
  return [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map((_, i) => (i === 0 || text ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

export const mib = (b: number | undefined) => (b === undefined ? undefined : b / 2 ** 20);
export const kib = (b: number | undefined) => (b === undefined ? undefined : b / 1024);
export const pct = (f: number | undefined) => (f === undefined ? undefined : 100 * f);
export const yes = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? '**met**' : '**missed**');
