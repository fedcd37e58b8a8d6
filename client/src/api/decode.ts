// Small checkers that turn the gateway's JSON into typed values once, at the edge. They throw on a
// shape this client cannot use; api() turns that into one ApiError('bad_response').

export type Json = Record<string, unknown>;

export function obj(x: unknown, what: string): Json {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new TypeError(`${what}: not an object`);
  return x as Json;
}

export function str(o: Json, key: string): string {
  const v = o[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new TypeError(`${key}: not a string`);
}

export function optStr(o: Json, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : String(v);
}

export function strArray(o: Json, key: string): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new TypeError(`${key}: not an array`);
  // Groups/roles may come as names or as {id, name} objects.
  return v.map((item) => (typeof item === 'object' && item !== null ? String((item as Json).name ?? (item as Json).id) : String(item)));
}

export function optNum(o: Json, key: string): number | undefined {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function bool(o: Json, key: string): boolean {
  return o[key] === true;
}

/** Timestamps may be epoch milliseconds or ISO strings; both become epoch ms. */
export function optTime(o: Json, key: string): number | undefined {
  const v = o[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** A list answer may be a bare array or wrapped (`{users: [...]}`, `{items: [...]}`). */
export function list<T>(x: unknown, key: string, item: (x: unknown) => T): T[] {
  const arr = Array.isArray(x) ? x : (obj(x, 'list')[key] ?? obj(x, 'list').items);
  if (!Array.isArray(arr)) throw new TypeError(`${key}: not a list`);
  return arr.map(item);
}

/** A single answer may be bare or wrapped (`{session: {...}}`). */
export function unwrap(x: unknown, key: string): Json {
  const o = obj(x, key);
  const inner = o[key];
  return typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? (inner as Json) : o;
}
