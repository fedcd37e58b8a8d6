// Session recordings for admin and helpdesk: the list with filters, one recording, its segment
// index (for seeking), the download address and delete (admin). Decoded at the edge with the
// contract's schemas (contract/api/recordings.ts); times become epoch milliseconds for the pages.
import { api } from './client.ts';
import { RecordingIndex as RecordingIndexJson, RecordingList, RecordingView } from '../../../contract/api/recordings.ts';
import { decodeWith } from './decode.ts';

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

function fromView(v: RecordingView): Recording {
  const endedAt = v.endedAt === undefined ? undefined : Date.parse(v.endedAt);
  return {
    id: v.id,
    kind: v.kind,
    sessionId: v.sessionId,
    userId: v.userId,
    ...(v.userName ? { username: v.userName } : {}),
    ...(v.poolId ? { poolId: v.poolId } : {}),
    ...(v.poolName ? { poolName: v.poolName } : {}),
    ...(v.machineId ? { machineId: v.machineId } : {}),
    ...(v.machineName ? { machineName: v.machineName } : {}),
    ...(v.hostId ? { hostId: v.hostId } : {}),
    startedAt: Date.parse(v.startedAt),
    ...(endedAt !== undefined && !Number.isNaN(endedAt) ? { endedAt } : {}),
    durationMs: Math.max(0, v.durationMs),
    sizeBytes: v.bytes,
    parts: v.parts.map((p) => ({ n: p.n, bytes: p.bytes, ...(p.sha256 ? { sha256: p.sha256 } : {}) })),
    live: v.state === 'recording',
    failed: v.state === 'failed',
  };
}

function fromIndex(ix: RecordingIndexJson): RecordingIndex {
  const partStarts: number[] = [];
  for (const p of ix.parts) if (Number.isInteger(p.n) && p.n >= 0 && p.n < 100_000) partStarts[p.n] = p.startT;
  return {
    durationMs: ix.durationMs,
    partStarts,
    segments: ix.segments.map((g) => ({ part: g.part, offset: g.offset, t: g.t })).sort((x, y) => x.t - y.t),
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
  return api(`/api/v1/recordings?${recordingsQuery(f)}`, { decode: (x) => decodeWith(RecordingList, x).items.map(fromView), signal });
}

export function getRecording(id: string, signal?: AbortSignal): Promise<Recording> {
  return api(`/api/v1/recordings/${encodeURIComponent(id)}`, { decode: (x) => fromView(decodeWith(RecordingView, x)), signal });
}

/** A VNC recording's seek points, sorted by time, and where each part starts. */
export function getRecordingIndex(id: string, signal?: AbortSignal): Promise<RecordingIndex> {
  return api(`/api/v1/recordings/${encodeURIComponent(id)}/index`, { decode: (x) => fromIndex(decodeWith(RecordingIndexJson, x)), signal });
}

export function deleteRecording(id: string): Promise<void> {
  return api(`/api/v1/recordings/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** One part file as an attachment (a VNC recording of several parts downloads part by part; each plays on its own). */
export function downloadUrl(id: string, part = 0): string {
  return `/api/v1/recordings/${encodeURIComponent(id)}/download${part > 0 ? `?part=${part}` : ''}`;
}
