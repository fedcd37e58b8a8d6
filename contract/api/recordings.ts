// Session recordings for admins and the helpdesk (README "Recording", docs/recording-format.md):
// list with filters, one recording, its seek index, its part files (HTTP Range for seeking, the
// part's SHA-256 in a header), download, and deletion (admin). Times are ISO 8601 strings.
import { z } from 'zod/mini';
import type { RouteDoc } from './route.ts';

const Iso = z.string();

export const RECORDING_KINDS = ['rfb', 'guac'] as const;
export const RECORDING_STATES = ['recording', 'finished', 'failed'] as const;
/** The response header carrying a finished part's SHA-256 (hex) on part and download answers. */
export const RECORDING_SHA256_HEADER = 'X-Recording-Sha256';

export const RecordingPartView = z.object({
  n: z.number(),
  bytes: z.number(),
  /** Hex SHA-256 of the finished file (also in the audit log, `recording.finished`); absent while written. */
  sha256: z.optional(z.string()),
});

export const RecordingView = z.object({
  id: z.string(),
  sessionId: z.string(),
  userId: z.string(),
  /** The person's username, absent when the user was deleted since. */
  userName: z.optional(z.string()),
  poolId: z.optional(z.string()),
  poolName: z.optional(z.string()),
  machineId: z.optional(z.string()),
  machineName: z.optional(z.string()),
  hostId: z.optional(z.string()),
  /** rfb: `.dprec` parts made by the gateway (VNC, play with noVNC); guac: one `.guac` file made by guacd (RDP/SSH). */
  kind: z.enum(RECORDING_KINDS),
  /** on: the whole session; shadow: only while a helpdesk shadow was active. */
  trigger: z.enum(['on', 'shadow']),
  state: z.enum(RECORDING_STATES),
  startedAt: Iso,
  endedAt: z.optional(Iso),
  /** Milliseconds recorded (so far, while recording). */
  durationMs: z.number(),
  /** Bytes of all parts (so far, while recording). */
  bytes: z.number(),
  parts: z.array(RecordingPartView),
  /** When retention deletes it; absent while recording. */
  expiresAt: z.optional(Iso),
  error: z.optional(z.string()),
});
export type RecordingView = z.infer<typeof RecordingView>;

export const RecordingList = z.object({
  items: z.array(RecordingView),
  /** Pass as `before` for the next (older) page; absent on the last page. */
  nextBefore: z.optional(Iso),
});
export type RecordingList = z.infer<typeof RecordingList>;

const Date8601 = z.string().check(
  z.maxLength(40),
  z.refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date or date-time'),
);
const QId = z.string().check(z.minLength(1), z.maxLength(64));
export const RecordingListQuery = z.object({
  user: z.optional(QId),
  pool: z.optional(QId),
  machine: z.optional(QId),
  host: z.optional(QId),
  /** Started at or after (ISO date or date-time). */
  from: z.optional(Date8601),
  /** Started before. */
  to: z.optional(Date8601),
  before: z.optional(Date8601),
  limit: z.optional(z.string().check(z.regex(/^\d{1,3}$/))),
});
export type RecordingListQuery = z.infer<typeof RecordingListQuery>;

/** One seek point: a fresh RFB connection at `t` ms after the recording's start, at `offset` in part `part`. */
export const RecordingSegment = z.object({
  part: z.number(),
  offset: z.number(),
  /** Milliseconds since the recording's start (part 0's header `startedAt`). */
  t: z.number(),
  /** The same point in the part's own clock (the `t` of its record). */
  partT: z.number(),
  width: z.number(),
  height: z.number(),
});
export const RecordingIndex = z.object({
  recordingId: z.string(),
  kind: z.literal('rfb'),
  durationMs: z.number(),
  parts: z.array(
    z.object({
      n: z.number(),
      /** Part start, ms after the recording's start. */
      startT: z.number(),
      durationMs: z.number(),
      bytes: z.number(),
      /** False when the part was cut short (no end record). */
      complete: z.boolean(),
    }),
  ),
  segments: z.array(RecordingSegment),
});
export type RecordingIndex = z.infer<typeof RecordingIndex>;

export const PartDownloadQuery = z.object({ part: z.optional(z.string().check(z.regex(/^\d{1,5}$/))) });

const staff = ['forbidden'] as const;
export const ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/recordings',
    summary: 'Session recordings, newest first, filtered by user, pool, machine, host and start date',
    audience: 'helpdesk',
    query: RecordingListQuery,
    ok: { status: 200, schema: RecordingList },
    errors: { 403: staff },
  },
  {
    method: 'get',
    path: '/recordings/:id',
    summary: 'One recording',
    audience: 'helpdesk',
    ok: { status: 200, schema: RecordingView },
    errors: { 403: staff, 404: ['not_found'] },
  },
  {
    method: 'get',
    path: '/recordings/:id/index',
    summary: "A VNC recording's seek points (segments: part, byte offset, time) without reading the files",
    audience: 'helpdesk',
    ok: { status: 200, schema: RecordingIndex },
    errors: { 403: staff, 404: ['not_found'], 409: ['not_indexed'] },
  },
  {
    method: 'get',
    path: '/recordings/:id/parts/:n',
    summary: 'A part file for the player: raw bytes, HTTP Range supported, SHA-256 in X-Recording-Sha256',
    description:
      'The first request of a person for a recording writes `recording.watched` to the audit log (again after 10 minutes); Range requests for seeking do not add entries.',
    audience: 'helpdesk',
    ok: { status: 200, contentType: 'application/octet-stream' },
    errors: { 403: staff, 404: ['not_found'] },
  },
  {
    method: 'get',
    path: '/recordings/:id/download',
    summary: 'Download one part file as an attachment (`?part=n`, default 0), with its SHA-256 in X-Recording-Sha256',
    description:
      'A VNC recording of several parts is downloaded one part per request; every part plays on its own. Audited as `recording.downloaded`.',
    audience: 'helpdesk',
    query: PartDownloadQuery,
    ok: { status: 200, contentType: 'application/octet-stream' },
    errors: { 403: staff, 404: ['not_found'] },
  },
  {
    method: 'delete',
    path: '/recordings/:id',
    summary: 'Delete a recording and its files (admin; audited)',
    audience: 'admin',
    ok: { status: 204 },
    errors: { 403: staff, 404: ['not_found'], 409: ['recording_active'] },
  },
];
