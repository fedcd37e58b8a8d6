// The one error type of the HTTP API and the one middleware that turns any error into the
// contract's shape: {"error": {"code", "message", "details"?}}. Never a stack trace, never HTML.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ZodError } from 'zod';
import type { Logger } from '../log.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: unknown) => new HttpError(400, 'invalid_input', message, details);
export const unauthorized = (message = 'Sign in first.') => new HttpError(401, 'unauthorized', message);
export const forbidden = (message = 'You are not allowed to do this.', code = 'forbidden') => new HttpError(403, code, message);
export const notFound = (what = 'resource') => new HttpError(404, 'not_found', `No such ${what}.`);
export const conflict = (code: string, message: string) => new HttpError(409, code, message);
export const tooMany = (retryAfterS: number, message: string) =>
  new HttpError(429, 'throttled', message, { retryAfterS }, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterS))) });
export const noCapacity = (message: string) => new HttpError(503, 'no_capacity', message);

/** Turns a zod error into a 400 whose details list the fields. */
export function fromZod(err: ZodError, what = 'request body'): HttpError {
  const fields = err.issues.map((i) => ({ field: i.path.join('.') || '(root)', problem: i.message }));
  const said = fields.map((f) => (f.field === '(root)' ? f.problem : `${f.field} ${f.problem}`)).join('; ');
  return badRequest(`Please check the ${what}: ${said}.`, fields);
}

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

export function notFoundHandler(): RequestHandler {
  return (_req, _res, next) => next(new HttpError(404, 'not_found', 'No such endpoint.'));
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let e: HttpError;
    if (err instanceof HttpError) e = err;
    else if (err?.type === 'entity.too.large') e = new HttpError(413, 'body_too_large', 'The request body is too large.');
    else if (err?.type === 'entity.parse.failed') e = badRequest('The request body is not valid JSON.');
    else if (err?.type === 'encoding.unsupported' || err?.type === 'charset.unsupported') e = badRequest('Unsupported body encoding.');
    else {
      log.error({ err, method: req.method, path: req.path }, 'unhandled error');
      e = new HttpError(500, 'internal', 'Something went wrong on the gateway. Try again; if it persists, tell your admin.');
    }
    if (res.headersSent) return void res.end();
    if (e.headers) res.set(e.headers);
    res.status(e.status).json(errorBody(e.code, e.message, e.details));
  };
}
