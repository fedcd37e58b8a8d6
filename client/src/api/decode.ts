// Small checkers that turn the gateway's JSON into typed values once, at the edge. They throw on a
// shape this client cannot use; api() turns that into one ApiError('bad_response'). Answers that
// the contract describes are decoded with its schema (decodeWith); the checkers below serve the rest.
import { z } from 'zod/mini';

/** The answer checked against the contract's schema; a mismatch throws, naming the fields. */
export function decodeWith<S extends z.ZodMiniType>(schema: S, x: unknown): z.output<S> {
  const r = z.safeParse(schema, x);
  if (r.success) return r.data;
  throw new TypeError(r.error.issues.map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`).join('; '));
}

/** Times whose ISO strings the pages use as epoch milliseconds (to compute ages and sort). */
export type EpochTimes<T, K extends keyof T> = Omit<T, K> & { [P in K]?: number };

/** The one place the contract's ISO times become epoch milliseconds for the pages. */
export function epochTimes<T extends object, K extends keyof T>(o: T, keys: readonly K[]): EpochTimes<T, K> {
  const out = { ...o } as Record<string, unknown>;
  for (const k of keys) {
    const v = o[k];
    out[k as string] = typeof v === 'string' ? Date.parse(v) : undefined;
  }
  return out as EpochTimes<T, K>;
}

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
