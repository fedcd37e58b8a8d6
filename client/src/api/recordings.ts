// Session recordings for admin and helpdesk: the list with filters, one recording, its segment
// index (for seeking), the download address and delete (admin). Decoded at the edge; times become
// epoch milliseconds for the pages.
// TODO(contract): decode with contract/api/recordings.ts once wt-rec's contract lands on main.
import { api } from './client.ts';
import { list, obj, optNum, optStr, optTime, str, unwrap, type Json } from './decode.ts';

export type RecordingKind = 'rfb' | 'guac';

export interface Recording {
  id: string;
  kind: RecordingKind;
  sessionId: string;
  username: string;
  /** The pool's name, or the machine's for a personal machine; either may be absent. */
  poolName?: string;
  machineName?: string;
  host?: string;
  startedAt: number;
  endedAt?: number;
  durationMs: number;
  sizeBytes: number;
  /** SHA-256 (hex) of the finished file(s); absent while recording. */
  sha256?: string;
  parts: number;
  /** Epoch ms of part 0's t = 0 (the .dprec header's startedAt); startedAt when not given. */
  origin: number;
  live: boolean;
}

export interface SegmentRef {
  part: number;
  offset: number;
  t: number;
}

export interface RecordingFilter {
  user?: string;
  pool?: string;
  machine?: string;
  host?: string;
  /** YYYY-MM-DD, inclusive, in the browser's time zone. */
  from?: string;
  to?: string;
}

const MAX_LIST = 500;

function decodeRecording(x: unknown): Recording {
  const o = unwrap(x, 'recording');
  const nested = (k: string): Json | undefined => (typeof o[k] === 'object' && o[k] !== null ? (o[k] as Json) : undefined);
  const kind = str(o, 'kind');
  if (kind !== 'rfb' && kind !== 'guac') throw new TypeError(`kind: ${kind}`);
  const startedAt = optTime(o, 'startedAt');
  if (startedAt === undefined) throw new TypeError('startedAt: missing');
  const endedAt = optTime(o, 'endedAt');
  const durationMs = optNum(o, 'durationMs') ?? (endedAt !== undefined ? endedAt - startedAt : 0);
  const user = nested('user');
  const pool = nested('pool');
  const machine = nested('machine');
  const poolName = optStr(o, 'poolName') ?? (pool ? optStr(pool, 'name') : undefined);
  const machineName = optStr(o, 'machineName') ?? (machine ? optStr(machine, 'name') : undefined);
  const host = optStr(o, 'hostName') ?? optStr(o, 'host');
  const sha256 = optStr(o, 'sha256');
  return {
    id: str(o, 'id'),
    kind,
    sessionId: optStr(o, 'sessionId') ?? '',
    username: optStr(o, 'username') ?? (user ? (optStr(user, 'username') ?? '') : (optStr(o, 'user') ?? '')),
    ...(poolName ? { poolName } : {}),
    ...(machineName ? { machineName } : {}),
    ...(host ? { host } : {}),
    startedAt,
    ...(endedAt !== undefined ? { endedAt } : {}),
    durationMs: Math.max(0, durationMs),
    sizeBytes: optNum(o, 'sizeBytes') ?? optNum(o, 'size') ?? 0,
    ...(sha256 ? { sha256 } : {}),
    parts: Math.max(1, optNum(o, 'parts') ?? optNum(o, 'partCount') ?? 1),
    origin: optTime(o, 'origin') ?? startedAt,
    live: endedAt === undefined && o.live !== false && o.status !== 'finished',
  };
}

function decodeSegment(x: unknown): SegmentRef {
  const o = obj(x, 'segment');
  const part = optNum(o, 'part');
  const offset = optNum(o, 'offset');
  const t = optNum(o, 't');
  if (part === undefined || offset === undefined || t === undefined) throw new TypeError('segment: part, offset and t are needed');
  return { part, offset, t };
}

export function recordingsQuery(f: RecordingFilter): string {
  const q = new URLSearchParams();
  for (const k of ['user', 'pool', 'machine', 'host'] as const) {
    const v = f[k]?.trim();
    if (v) q.set(k, v);
  }
  // Whole days in the browser's zone, sent as instants the gateway compares with startedAt.
  if (f.from) q.set('from', new Date(`${f.from}T00:00:00`).toISOString());
  if (f.to) q.set('to', new Date(new Date(`${f.to}T00:00:00`).getTime() + 86_400_000).toISOString());
  q.set('limit', String(MAX_LIST));
  return q.toString();
}

export function listRecordings(f: RecordingFilter, signal?: AbortSignal): Promise<Recording[]> {
  return api(`/api/v1/recordings?${recordingsQuery(f)}`, { decode: (x) => list(x, 'recordings', decodeRecording), signal });
}

export function getRecording(id: string, signal?: AbortSignal): Promise<Recording> {
  return api(`/api/v1/recordings/${encodeURIComponent(id)}`, { decode: decodeRecording, signal });
}

/** Segments sorted by time: where a seek can start. */
export function getRecordingIndex(id: string, signal?: AbortSignal): Promise<SegmentRef[]> {
  return api(`/api/v1/recordings/${encodeURIComponent(id)}/index`, {
    decode: (x) => list(x, 'segments', decodeSegment).sort((a, b) => a.t - b.t),
    signal,
  });
}

export function deleteRecording(id: string): Promise<void> {
  return api(`/api/v1/recordings/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function downloadUrl(id: string): string {
  return `/api/v1/recordings/${encodeURIComponent(id)}/download`;
}
