// Validation at the edge: one helper turns a zod schema + untrusted input into a typed value or
// the contract's 400 with the fields listed. Text holding NUL characters is refused here for every
// schema: PostgreSQL cannot store them (SQLite can), and no field of ours has a use for them.
import { z } from 'zod';
import { fromZod, invalid } from '../errors.ts';

/** The path of the first string (or object key) holding a NUL character, or null; depth-capped. */
function nulAt(v: unknown, path: string[] = [], depth = 0): string[] | null {
  if (typeof v === 'string') return v.includes('\u0000') ? path : null;
  if (depth > 32 || v === null || typeof v !== 'object') return null;
  for (const [k, x] of Object.entries(v)) {
    if (k.includes('\u0000')) return [...path, k];
    const at = nulAt(x, [...path, k], depth + 1);
    if (at) return at;
  }
  return null;
}

export function parse<T extends z.core.$ZodType>(schema: T, input: unknown, what = 'request body'): z.output<T> {
  const nul = nulAt(input);
  if (nul) {
    const field = nul.join('.') || '(root)';
    throw invalid(`Please check the ${what}: ${field === '(root)' ? '' : `${field} `}must not contain NUL characters.`, [
      { field, problem: 'must not contain NUL characters' },
    ]);
  }
  const r = z.safeParse(schema, input);
  if (!r.success) throw fromZod(r.error, what);
  return r.data;
}
