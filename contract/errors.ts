// The one error shape of the HTTP API: {"error": {"code", "message", "details"?}}. Codes are stable
// and named in each route's description (contract/api/*.ts); messages are for people.
import { z } from 'zod/mini';

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.optional(z.unknown()) }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** A field problem, as listed in `details` of an `invalid_input` answer. */
export const FieldProblem = z.object({ field: z.string(), problem: z.string() });
export type FieldProblem = z.infer<typeof FieldProblem>;
