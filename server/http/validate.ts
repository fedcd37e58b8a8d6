// Validation at the edge: one helper turns a zod schema (classic or zod/mini: the contract's are
// mini) + untrusted input into a typed value or the contract's 400 with the fields listed.
import * as core from 'zod/v4/core';
import { fromZod } from '../errors.ts';

export function parse<T extends core.$ZodType>(schema: T, input: unknown, what?: string): core.output<T> {
  const r = core.safeParse(schema, input);
  if (!r.success) throw fromZod(r.error, what);
  return r.data;
}
