// Domain errors: what broker, auth, hub and store throw when a request cannot be done. They name a
// kind and a stable code (the contract's error codes) and know nothing of HTTP; the web edge maps a
// kind to a status exactly once (server/http/errors.ts), the display edge to a refusal.
import type { $ZodError as ZodError } from 'zod/v4/core';

export type FailureKind = 'invalid' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'throttled' | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** For `throttled`: when trying again may succeed. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

export const invalid = (message: string, details?: unknown, code = 'invalid_input') => new DomainError('invalid', code, message, details);
export const unauthenticated = (message = 'Sign in first.', code = 'unauthorized') => new DomainError('unauthenticated', code, message);
export const forbidden = (message = 'You are not allowed to do this.', code = 'forbidden') => new DomainError('forbidden', code, message);
export const notFound = (what = 'resource') => new DomainError('not_found', 'not_found', `No such ${what}.`);
export const conflict = (code: string, message: string, details?: unknown) => new DomainError('conflict', code, message, details);
export const throttled = (retryAfterS: number, message: string, code = 'throttled') =>
  new DomainError('throttled', code, message, { retryAfterS }, retryAfterS);
export const unavailable = (code: string, message: string) => new DomainError('unavailable', code, message);

/** Turns a zod error into an `invalid` whose details list the fields. */
export function fromZod(err: ZodError, what = 'request body'): DomainError {
  const fields = err.issues.map((i) => ({ field: i.path.join('.') || '(root)', problem: i.message }));
  const said = fields.map((f) => (f.field === '(root)' ? f.problem : `${f.field} ${f.problem}`)).join('; ');
  return invalid(`Please check the ${what}: ${said}.`, fields);
}
