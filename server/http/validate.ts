// Validation at the edge: one helper turns a zod schema + untrusted input into a typed value or
// the contract's 400 with the fields listed.
import type { z } from 'zod';
import { fromZod } from '../errors.ts';

export function parse<T extends z.ZodType>(schema: T, input: unknown, what?: string): z.infer<T> {
  const r = schema.safeParse(input);
  if (!r.success) throw fromZod(r.error, what);
  return r.data;
}
