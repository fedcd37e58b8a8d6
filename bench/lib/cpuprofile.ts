// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per file, so the
// report can name hot spots without a profiler UI. Usage as a tool:
//   node --import tsx bench/lib/cpuprofile.ts FILE.cpuprofile [--top 25]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { REPO_DIR } from './children.ts';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface HotSpot {
  name: string;
  where: string;
  selfMs: number;
  selfPct: number;
}

function place(url: string, line: number): string {
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const rel = path.startsWith(REPO_DIR) ? relative(REPO_DIR, path) : path;
  // TypeScript runs transpiled by tsx: its line numbers are the generated code's, so name the file only.
  return rel.endsWith('.ts') ? rel : `${rel}:${line + 1}`;
}

/** Module loading and compilation at start-up: real, but not what a hot-spot list is for. */
function startup(name: string, where: string): boolean {
  return (
    /^node:internal\/(modules|bootstrap|deps\/cjs-module-lexer)/.test(where) ||
    where.includes('node_modules/tsx/') ||
    name === 'compileFunction'
  );
}

export function summariseProfile(
  file: string,
  top = 25,
): { totalMs: number; idlePct: number; startupMs: number; functions: HotSpot[]; files: HotSpot[] } {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const totalUs = p.endTime - p.startTime;
  const fns = new Map<string, HotSpot>();
  const files = new Map<string, HotSpot>();
  let idleUs = 0;
  let startupUs = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idleUs += us;
      continue;
    }
    const where = place(n.callFrame.url, n.callFrame.lineNumber);
    if (startup(name, where)) {
      startupUs += us;
      continue;
    }
    const key = `${name} ${where}`;
    const f = fns.get(key) ?? { name, where, selfMs: 0, selfPct: 0 };
    f.selfMs += us / 1000;
    fns.set(key, f);
    const file = where.replace(/:\d+$/, '');
    const g = files.get(file) ?? { name: file, where: file, selfMs: 0, selfPct: 0 };
    g.selfMs += us / 1000;
    files.set(file, g);
  }
  const busyMs = (totalUs - idleUs - startupUs) / 1000;
  const rank = (m: Map<string, HotSpot>) =>
    [...m.values()]
      .map((h) => ({ ...h, selfMs: Math.round(h.selfMs), selfPct: Math.round((1000 * h.selfMs) / busyMs) / 10 }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top);
  return {
    totalMs: Math.round(totalUs / 1000),
    idlePct: Math.round((1000 * idleUs) / totalUs) / 10,
    startupMs: Math.round(startupUs / 1000),
    functions: rank(fns),
    files: rank(files),
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, 'bench/'))) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: cpuprofile.ts FILE.cpuprofile [--top N]');
    process.exit(2);
  }
  const i = process.argv.indexOf('--top');
  const s = summariseProfile(file, i > 0 ? Number(process.argv[i + 1]) : 25);
  console.log(
    `total ${s.totalMs} ms, idle ${s.idlePct}%, module loading ${s.startupMs} ms left out  (percentages below are of the remaining busy time)`,
  );
  for (const f of s.functions) console.log(`${String(f.selfPct).padStart(5)}%  ${String(f.selfMs).padStart(6)} ms  ${f.name}  ${f.where}`);
  console.log('\nby file:');
  for (const f of s.files) console.log(`${String(f.selfPct).padStart(5)}%  ${String(f.selfMs).padStart(6)} ms  ${f.where}`);
}
