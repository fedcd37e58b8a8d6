// Validation at the edge: one helper turns a zod schema + untrusted input into a typed value or
// the contract's 400 with the fields listed.
import { z } from 'zod';
import { fromZod } from '../errors.ts';

export function parse<T extends z.core.$ZodType>(schema: T, input: unknown, what?: string): z.output<T> {
  const r = z.safeParse(schema, input);
  if (!r.success) throw fromZod(r.error, what);
  return r.data;
}
