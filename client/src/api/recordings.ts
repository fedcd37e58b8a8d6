// Session recordings for admin and helpdesk: the list with filters, one recording, its segment
// index (for seeking), the download address and delete (admin). Decoded at the edge; times become
// epoch milliseconds for the pages.
// TODO(contract): decode with contract/api/recordings.ts once wt-rec's contract lands on main.
import { api } from './client.ts';
import { list, obj, optNum, optStr, optTime, str, unwrap } from './decode.ts';

export type RecordingKind = 'rfb' | 'guac';

export interface RecordingPart {
  n: number;
  bytes: number;
  /** SHA-256 (hex) of the finished part; absent while it is written. */
  sha256?: string;
}

export interface Recording {
  id: string;
  kind: RecordingKind;
  sessionId: string;
  userId: string;
  /** Absent when the user was deleted since. */
  username?: string;
  poolId?: string;
  poolName?: string;
  machineId?: string;
  machineName?: string;
  hostId?: string;
  startedAt: number;
  endedAt?: number;
  durationMs: number;
  sizeBytes: number;
  parts: RecordingPart[];
  /** Still being written. */
  live: boolean;
  failed: boolean;
}

export interface SegmentRef {
  part: number;
  offset: number;
  /** ms since the recording's start (part 0's header startedAt). */
  t: number;
}

export interface RecordingIndex {
  durationMs: number;
  /** Each part's start, ms after the recording's start, by part number. */
  partStarts: number[];
  segments: SegmentRef[];
}

/** The list filters: ids (user, pool, machine, host) and whole days. */
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

function decodePart(x: unknown, i: number): RecordingPart {
  const o = obj(x, 'part');
  const sha256 = optStr(o, 'sha256');
  return { n: optNum(o, 'n') ?? i, bytes: optNum(o, 'bytes') ?? 0, ...(sha256 ? { sha256 } : {}) };
}

function decodeRecording(x: unknown): Recording {
  const o = unwrap(x, 'recording');
  const kind = str(o, 'kind');
  if (kind !== 'rfb' && kind !== 'guac') throw new TypeError(`kind: ${kind}`);
  const startedAt = optTime(o, 'startedAt');
  if (startedAt === undefined) throw new TypeError('startedAt: missing');
  const endedAt = optTime(o, 'endedAt');
  const opt = (k: string, as = k): Partial<Record<string, string>> => {
    const v = optStr(o, k);
    return v ? { [as]: v } : {};
  };
  const parts = Array.isArray(o.parts) ? o.parts.map(decodePart) : [];
  return {
    id: str(o, 'id'),
    kind,
    sessionId: optStr(o, 'sessionId') ?? '',
    userId: optStr(o, 'userId') ?? '',
    ...opt('userName', 'username'),
    ...opt('poolId'),
    ...opt('poolName'),
    ...opt('machineId'),
    ...opt('machineName'),
    ...opt('hostId'),
    startedAt,
    ...(endedAt !== undefined ? { endedAt } : {}),
    durationMs: Math.max(0, optNum(o, 'durationMs') ?? 0),
    sizeBytes: optNum(o, 'bytes') ?? 0,
    parts,
    live: o.state === 'recording',
    failed: o.state === 'failed',
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

function decodeIndex(x: unknown): RecordingIndex {
  const o = obj(x, 'index');
  const partStarts: number[] = [];
  for (const p of list(o.parts ?? [], 'parts', (v) => obj(v, 'part'))) {
    const n = optNum(p, 'n');
    const startT = optNum(p, 'startT');
    if (n !== undefined && startT !== undefined && n >= 0 && n < 100_000) partStarts[n] = startT;
  }
  return {
    durationMs: optNum(o, 'durationMs') ?? 0,
    partStarts,
    segments: list(o.segments, 'segments', decodeSegment).sort((a, b) => a.t - b.t),
  };
}

/** The SHA-256 to show for a recording: its only part's, or none when there are several (each part has its own). */
export function recordingSha256(r: Recording): string | undefined {
  return r.parts.length === 1 ? r.parts[0]?.sha256 : undefined;
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
  return api(`/api/v1/recordings?${recordingsQuery(f)}`, { decode: (x) => list(x, 'items', decodeRecording), signal });
}

export function getRecording(id: string, signal?: AbortSignal): Promise<Recording> {
  return api(`/api/v1/recordings/${encodeURIComponent(id)}`, { decode: decodeRecording, signal });
}

/** A VNC recording's seek points, sorted by time, and where each part starts. */
export function getRecordingIndex(id: string, signal?: AbortSignal): Promise<RecordingIndex> {
  return api(`/api/v1/recordings/${encodeURIComponent(id)}/index`, { decode: decodeIndex, signal });
}

export function deleteRecording(id: string): Promise<void> {
  return api(`/api/v1/recordings/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** One part file as an attachment (a VNC recording of several parts downloads part by part; each plays on its own). */
export function downloadUrl(id: string, part = 0): string {
  return `/api/v1/recordings/${encodeURIComponent(id)}/download${part > 0 ? `?part=${part}` : ''}`;
}
