// The one HTTP wrapper every page uses: same-origin JSON in and out, one ApiError shape for every
// failure (HTTP, network, malformed answer), and a 401 from any call except sign-in sends the person
// back to the sign-in page.

/** The gateway's error body: `{error: {code, message, details?}}` (API.md "Errors"). */
export interface ApiErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Seconds from a Retry-After header (429, 503), when present. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

export function isApiErrorBody(x: unknown): x is { error: ApiErrorBody } {
  if (typeof x !== 'object' || x === null || !('error' in x)) return false;
  const err = (x as { error: unknown }).error;
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { code?: unknown }).code === 'string' &&
    typeof (err as { message?: unknown }).message === 'string'
  );
}

/** One short sentence for the person, whatever went wrong. */
export function errorMessage(e: unknown): string {
  if (isApiError(e)) return e.message;
  return 'Something went wrong. Reload the page and try again.';
}

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler = () => {};

/** The app registers what "not signed in" means (go to the sign-in page). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  onUnauthorized = handler;
}

export interface ApiOptions<T> {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Validates the JSON answer at the edge; omitted for calls whose answer is not used. */
  decode?: (json: unknown) => T;
  /** Sign-in and the first "who am I" handle their own 401. */
  redirectOn401?: boolean;
}

export async function api<T = void>(path: string, options: ApiOptions<T> = {}): Promise<T> {
  const { method = 'GET', body, signal, decode, redirectOn401 = true } = options;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      signal,
      credentials: 'same-origin',
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError(0, 'network_error', 'Deskport cannot be reached. Check your network connection and try again.');
  }
  const json = await readJson(res);
  if (!res.ok) throw toApiError(res, json, redirectOn401);
  if (!decode) return undefined as T;
  try {
    return decode(json);
  } catch (e) {
    console.error(`Unexpected answer from ${method} ${path}`, e, json);
    throw new ApiError(
      res.status,
      'bad_response',
      'The server sent an answer this page does not understand. Reload the page and try again.',
    );
  }
}

async function readJson(res: Response): Promise<unknown> {
  if (res.status === 204) return undefined;
  const text = await res.text().catch(() => '');
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function toApiError(res: Response, json: unknown, redirectOn401: boolean): ApiError {
  const retryAfter = Number(res.headers.get('Retry-After'));
  const retryAfterS = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter) : undefined;
  if (res.status === 401 && redirectOn401) onUnauthorized();
  if (isApiErrorBody(json)) {
    const { code, message, details } = json.error;
    return new ApiError(res.status, code, message, details, retryAfterS);
  }
  return new ApiError(res.status, `http_${res.status}`, fallbackMessage(res.status), undefined, retryAfterS);
}

function fallbackMessage(status: number): string {
  if (status === 401) return 'Your sign-in has expired. Sign in again.';
  if (status === 403) return 'You are not allowed to do that.';
  if (status === 404) return 'That no longer exists. Go back and refresh the list.';
  if (status >= 500) return `The server had a problem (${status}). Try again in a moment.`;
  return `The request failed (${status}). Try again.`;
}
