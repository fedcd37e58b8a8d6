// Puts one benchmark's hand-run section into bench/REPORT.md between its own markers, replacing the
// previous run's, so a benchmark that run-all.sh does not run keeps its figures in the report.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const REPORT = join(import.meta.dirname, '..', 'REPORT.md');

export function spliceSection(name: string, body: string, file = REPORT): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const text = readFileSync(file, 'utf8');
  const block = `${start}\n${body.trim()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  const next = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

/** The hand-run sections (between `<!-- NAME:start -->` and `<!-- NAME:end -->`) of a report, whole and in
 *  order, except the named ones: a full report (bench/report.ts) keeps them instead of dropping them. */
export function handRunSections(text: string, except: readonly string[] = []): string[] {
  const out: string[] = [];
  const start = /<!-- ([a-z0-9-]+):start( [^>]*)? -->/g;
  for (let m = start.exec(text); m; m = start.exec(text)) {
    const end = `<!-- ${m[1]}:end -->`;
    const j = text.indexOf(end, m.index);
    if (j < 0) continue;
    if (!except.includes(m[1]!)) out.push(text.slice(m.index, j + end.length));
    start.lastIndex = j + end.length;
  }
  return out;
}
