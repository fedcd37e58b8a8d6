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
