// The direction of imports (docs/architecture.md): contract/ imports nothing of the project; server/
// and agents/ never import each other (cmd/ wires them together); the domain (broker, auth, hub,
// store, relay, rfb, display) does not speak HTTP; the browser imports only the contract.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOMAIN = ['broker', 'auth', 'hub', 'store', 'relay', 'rfb', 'display', 'util'].map((d) => `server/${d}/`);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(join(ROOT, p)).isDirectory()) out.push(...sources(p));
    else if (/\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

/** Every module a file imports: project files as paths relative to the root, packages by name. */
export function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specs = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)|(?:^|\n)\s*import\s*'([^']+)'/g),
  ].map((m) => m[1] ?? m[2] ?? m[3]!);
  return specs.map((s) => (s.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), s)) : s));
}

function violations(files: string[], refused: (target: string, file: string) => boolean): string[] {
  return files.flatMap((f) =>
    importsOf(f)
      .filter((t) => refused(t, f))
      .map((t) => `${f} -> ${t}`),
  );
}

const project = (t: string) => /^(server|agents|cmd|client|test|bench|infra|contract)\//.test(t);

describe('the import direction', () => {
  it('contract/ imports only itself and zod', () => {
    expect(
      violations(
        sources('contract'),
        (t, f) => !t.startsWith('contract/') && t !== 'zod' && t !== 'zod/mini' && !(t === 'vitest' && f.endsWith('.test.ts')),
      ),
    ).toEqual([]);
  });
  it('the browser never reaches full zod: it compiles with eval, which the CSP forbids (zod/mini only)', () => {
    const seen = new Set<string>();
    const reached: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const t of importsOf(file)) {
        if (t === 'zod') reached.push(file);
        // Vite's query imports (`x.ts?worker&url`) name the file before the `?`.
        else if (project(t)) visit(t.replace(/\?.*$/, ''));
      }
    };
    for (const f of sources('client/src').filter((f) => !f.endsWith('.test.ts'))) visit(f);
    expect(reached).toEqual([]);
  });
  it('server/ does not import agents/ or cmd/', () => {
    expect(violations(sources('server'), (t) => t.startsWith('agents/') || t.startsWith('cmd/'))).toEqual([]);
  });
  it('agents/ imports only itself, the contract and packages', () => {
    expect(
      violations(
        sources('agents'),
        (t) =>
          project(t) &&
          !t.startsWith('agents/') &&
          !t.startsWith('contract/') &&
          !t.startsWith('test/helpers/') &&
          !t.startsWith('infra/images/'),
      ),
    ).toEqual([]);
  });
  it('the domain does not import the HTTP layer', () => {
    const domain = sources('server').filter((f) => DOMAIN.some((d) => f.startsWith(d)));
    expect(violations(domain, (t) => t.startsWith('server/http/') || t === 'express' || t.startsWith('express/'))).toEqual([]);
  });
  it('the browser imports only the contract of the project', () => {
    expect(violations(sources('client/src'), (t) => project(t) && !t.startsWith('client/') && !t.startsWith('contract/'))).toEqual([]);
  });
  it('finds imports of every kind it checks (so the rules above can fail)', () => {
    expect(importsOf('test/architecture.test.ts')).toContain('vitest');
    expect(importsOf('server/gateway.ts').some((t) => t.startsWith('server/http/'))).toBe(true);
  });
});
