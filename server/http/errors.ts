// The one error type of the HTTP API and the one middleware that turns any error into the
// contract's shape: {"error": {"code", "message", "details"?}}. Never a stack trace, never HTML.
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ZodError } from 'zod';
import { DomainError, fromZod as domainFromZod, type FailureKind } from '../errors.ts';
import type { Logger } from '../log.ts';
import { StoreInvalidTextError, StoreUnavailableError } from '../store/errors.ts';

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

/** The one place a domain failure becomes an HTTP status. */
export const STATUS_OF_KIND: Record<FailureKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  throttled: 429,
  unavailable: 503,
};

export function fromDomain(e: DomainError): HttpError {
  const headers = e.retryAfterS !== undefined ? { 'Retry-After': String(Math.max(1, Math.ceil(e.retryAfterS))) } : undefined;
  return new HttpError(STATUS_OF_KIND[e.kind], e.code, e.message, e.details, headers);
}

/** Turns a zod error into a 400 whose details list the fields. */
export const fromZod = (err: ZodError, what?: string): HttpError => fromDomain(domainFromZod(err, what));

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

export function notFoundHandler(): RequestHandler {
  return (_req, _res, next) => next(new HttpError(404, 'not_found', 'No such endpoint.'));
}

/** The 4xx status a library error carries (body parser, router, static files), if any. */
function clientStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, statusCode } = err as { status?: unknown; statusCode?: unknown };
  const s = typeof status === 'number' ? status : statusCode;
  return typeof s === 'number' && Number.isInteger(s) && s >= 400 && s < 500 ? s : undefined;
}

const CODE_OF_STATUS: Record<number, string> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'body_too_large',
  415: 'unsupported_encoding',
  429: 'throttled',
};

/**
 * A library's client error in our shape. Messages are ours, never the library's: those can echo
 * the request back or name internals (zlib's "incorrect header check", a file path of `send`).
 */
export function fromClientError(err: unknown, status: number): HttpError {
  const e = err as { type?: unknown; code?: unknown };
  if (e.type === 'entity.too.large') return new HttpError(413, 'body_too_large', 'The request body is too large.');
  if (e.type === 'entity.parse.failed') return badRequest('The request body is not valid JSON.');
  if (e.type === 'charset.unsupported') return new HttpError(415, 'unsupported_encoding', 'Unsupported body charset: send JSON in UTF-8.');
  if (e.type === 'encoding.unsupported')
    return new HttpError(415, 'unsupported_encoding', 'Unsupported Content-Encoding: send the body as identity, gzip, deflate or br.');
  // The router's decoding of a path parameter (express 5 sets status 400 on the URIError).
  if (err instanceof URIError) return badRequest('The URL is not valid: it has a bad percent-encoding.');
  // Decompression failed: the body does not match its Content-Encoding.
  if (typeof e.code === 'string' && e.code.startsWith('Z_')) return badRequest('The request body does not match its Content-Encoding.');
  if (status === 400) return badRequest('The request is not valid.');
  return new HttpError(status, CODE_OF_STATUS[status] ?? 'invalid_input', `${STATUS_CODES[status] ?? 'Request refused'}.`);
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let e: HttpError;
    const status = clientStatus(err);
    if (err instanceof HttpError) e = err;
    else if (err instanceof DomainError) e = fromDomain(err);
    else if (status !== undefined) e = fromClientError(err, status);
    else if (err instanceof StoreInvalidTextError) e = badRequest('Please check the request: text must not contain NUL characters.');
    else if (err instanceof StoreUnavailableError) {
      log.warn({ method: req.method, path: req.path, reason: err.message }, 'the database is unavailable');
      e = new HttpError(
        503,
        'store_unavailable',
        'The gateway cannot reach its database right now. Desktops that are open keep working; try again in a moment.',
        undefined,
        { 'Retry-After': '5' },
      );
    } else {
      log.error({ err, method: req.method, path: req.path }, 'unhandled error');
      e = new HttpError(500, 'internal', 'Something went wrong on the gateway. Try again; if it persists, tell your admin.');
    }
    if (res.headersSent) return void res.end();
    if (e.headers) res.set(e.headers);
    res.status(e.status).json(errorBody(e.code, e.message, e.details));
  };
}
