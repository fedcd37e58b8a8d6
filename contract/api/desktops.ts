// Desktops for the signed-in user, the helpdesk and shadowing (sessions, tickets, events, shadows): request and response schemas and the route descriptions of /api/v1 (contract/api/route.ts).
// Times in answers are ISO 8601 strings, except `at` of a progress event (epoch milliseconds).
import { z } from 'zod/mini';
import { DRIVERS, PROTOCOLS, SESSION_STATES, VIEWER_PROTOCOLS } from '../ids.ts';
import { ShadowApproveBody } from './audio.ts';
import { SessionPolicy } from './policy.ts';
import type { RouteDoc } from './route.ts';

const Iso = z.string();

export const TICKET_MODES = ['control', 'view'] as const;
export const TicketMode = z.enum(TICKET_MODES);
export type TicketMode = z.infer<typeof TicketMode>;

/** A session as its owner (and staff) see it. */
export const SessionView = z.object({
  id: z.string(),
  /** The pool of a desktop session; absent for a session on an existing machine. */
  poolId: z.optional(z.string()),
  /** The existing machine (contract/api/machines.ts) of a machine session; absent for a pool session. */
  machineId: z.optional(z.string()),
  /** Which viewer it needs: 'vnc' → noVNC, 'rdp' / 'ssh' → the guacd viewer. */
  protocol: z.enum(VIEWER_PROTOCOLS),
  userId: z.string(),
  state: z.enum(SESSION_STATES),
  hostId: z.optional(z.string()),
  createdAt: Iso,
  readyAt: z.optional(Iso),
  endedAt: z.optional(Iso),
  /** Display sockets open on the session. */
  viewers: z.number(),
  /** Why the session failed or was ended by someone else, for its user. */
  error: z.optional(z.string()),
  /** What the session may do beyond the screen (contract/api/policy.ts); in GET /sessions/:id, not in event streams or lists. */
  policy: z.optional(SessionPolicy),
  /** The gateway is recording this session's screen now (the viewer shows a notice); README "Recording". */
  recordingActive: z.optional(z.boolean()),
});
export type SessionView = z.infer<typeof SessionView>;

export const SessionAnswer = z.object({ session: SessionView });
export type SessionAnswer = z.infer<typeof SessionAnswer>;
export const SessionList = z.array(SessionAnswer);

/** A pool as the people entitled to it see it (GET /pools). */
export const UserPool = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  protocol: z.enum(PROTOCOLS),
  driver: z.enum(DRIVERS),
  /** `personal` keeps the person's home between desktops; `pooled` starts fresh. */
  persistence: z.enum(['pooled', 'personal']),
  /** How long a desktop waits for its user after the last viewer left (seconds). */
  graceS: z.number(),
  /** No input for this long ends the desktop (seconds; 0 = never). */
  idleTimeoutS: z.number(),
  /** The longest a desktop may run (seconds; 0 = never). */
  maxLifetimeS: z.number(),
  /** The person's disk in this pool can be snapshotted (personal qemu pools): /pools/:id/snapshots. */
  snapshots: z.optional(z.boolean()),
  /** Set when the pool cannot be launched now and why ("RDP needs guacd, …"); launching it answers 503 guacd_unavailable. */
  unavailable: z.optional(z.string()),
});
export type UserPool = z.infer<typeof UserPool>;
export const UserPoolList = z.array(UserPool);

const LaunchId = z.string().check(z.minLength(1), z.maxLength(64));
/** Launch in a pool (a desktop Deskport starts) or connect to an existing machine: exactly one of the two. */
export const LaunchBody = z
  .strictObject({ poolId: z.optional(LaunchId), machineId: z.optional(LaunchId) })
  .check(z.refine((b) => (b.poolId === undefined) !== (b.machineId === undefined), 'give exactly one of poolId and machineId'));
export type LaunchBody = z.infer<typeof LaunchBody>;

export const TicketBody = z.strictObject({ mode: z._default(TicketMode, 'control') });
export type TicketBody = z.infer<typeof TicketBody>;

/**
 * A one-time display ticket: open `url` as a WebSocket within a few seconds. The url's path picks
 * the viewer: /ws/vnc → noVNC; /ws/rdp → guacamole-common-js through guacd (the url then carries
 * guacamole-lite's token, which holds only this ticket). `protocol` is the remote protocol: desktops
 * of vnc pools are 'vnc' on /ws/vnc; rdp pools and every existing machine (rdp, vnc, ssh) use /ws/rdp.
 */
export const TicketAnswer = z.object({
  ticket: z.string(),
  url: z.string(),
  protocol: z.enum(VIEWER_PROTOCOLS),
  mode: TicketMode,
  expiresAt: Iso,
});
export type TicketAnswer = z.infer<typeof TicketAnswer>;

export const SHADOW_STATES = ['pending', 'approved', 'denied', 'ended'] as const;
export type ShadowState = (typeof SHADOW_STATES)[number];

export const ShadowView = z.object({
  id: z.string(),
  sessionId: z.string(),
  requesterId: z.string(),
  requesterName: z.string(),
  requesterDisplayName: z.string(),
  mode: TicketMode,
  reason: z.string(),
  state: z.enum(SHADOW_STATES),
  /** `pool`: approved without asking, because the pool allows view shadowing without consent. */
  consent: z.enum(['owner', 'pool']),
  /** The owner also shared the desktop's sound with this shadow (contract/api/audio.ts); absent: not. */
  sound: z.optional(z.boolean()),
  createdAt: Iso,
  decidedAt: z.optional(Iso),
  endedAt: z.optional(Iso),
});
export type ShadowView = z.infer<typeof ShadowView>;

export const ShadowAnswer = z.object({ shadow: ShadowView });
export const ShadowList = z.array(ShadowAnswer);

export const ShadowBody = z.strictObject({
  mode: TicketMode,
  reason: z.string().check(z.trim(), z.minLength(3, 'must say why (at least 3 characters)'), z.maxLength(500)),
});
export type ShadowBody = z.infer<typeof ShadowBody>;

export const HelpdeskSession = z.object({
  ...SessionView.shape,
  username: z.nullable(z.string()),
  displayName: z.nullable(z.string()),
  poolName: z.nullable(z.string()),
  hostName: z.nullable(z.string()),
  thumbnailUrl: z.string(),
  shadows: z.array(ShadowView),
});
export type HelpdeskSession = z.infer<typeof HelpdeskSession>;
export const HelpdeskSessionList = z.array(HelpdeskSession);

// Events of GET /sessions/:id/events (server-sent events: `event: <name>`, `data: <json>`).
export const PROGRESS_STEPS = ['queued', 'placing', 'creating', 'pulling', 'starting', 'waiting_display', 'ready'] as const;
export type ProgressStep = (typeof PROGRESS_STEPS)[number];
/** `event: progress`. Steps are any short name, so that steps added later still show (with their message). */
export const ProgressEvent = z.object({
  step: z.string().check(z.regex(/^[a-z][a-z0-9_.-]{0,47}$/i)),
  message: z.string(),
  at: z.number(),
});
export type ProgressEvent = z.infer<typeof ProgressEvent>;
/** `event: state`: the session changed (first event of every stream, too). */
export const StateEvent = SessionAnswer;
/** `event: shadow`: a shadow request of the session changed. */
export const ShadowEvent = ShadowAnswer;
/** `event: error`: the gateway closed this stream (a newer one of the same person took its place). */
export const StreamErrorEvent = z.object({ message: z.string() });
export const SESSION_EVENTS = { state: StateEvent, progress: ProgressEvent, shadow: ShadowEvent, error: StreamErrorEvent } as const;

const sessionRoute = { errors: { 404: ['not_found'] } } as const;
const staffOnly = ['forbidden'] as const;

export const ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/pools',
    summary: 'Pools the signed-in person may launch',
    audience: 'user',
    ok: { status: 200, schema: UserPoolList },
  },
  {
    method: 'post',
    path: '/sessions',
    summary: 'Launch a desktop or connect to an existing machine, or resume the live session there',
    audience: 'user',
    body: LaunchBody,
    description:
      'Body {poolId} or {machineId}. Answers 201 with a new session (a desktop starts in the background: follow /sessions/:id/events; a machine session is ready at once), or 200 with the live session the person already has in this pool or on this machine. A per_user machine answers 409 credentials_required until the person saved theirs (PUT /machines/:id/credentials); a passthrough machine answers 409 directory_sign_in_required unless this browser signed in with a directory (LDAP) password.',
    ok: { status: 201, schema: SessionAnswer },
    errors: {
      404: ['not_found'],
      409: ['limit_reached', 'pool_full', 'credentials_required', 'directory_sign_in_required'],
      503: ['no_capacity', 'machine_unreachable', 'guacd_unavailable', 'home_host_unavailable', 'launch_busy'],
    },
  },
  {
    method: 'get',
    path: '/sessions',
    summary: "The signed-in person's sessions, newest first (at most 100)",
    audience: 'user',
    ok: { status: 200, schema: SessionList },
  },
  {
    method: 'get',
    path: '/sessions/:id',
    summary: 'One session',
    audience: 'user',
    ok: { status: 200, schema: SessionAnswer },
    ...sessionRoute,
  },
  {
    method: 'get',
    path: '/sessions/:id/events',
    summary: "A session's launch progress, state and shadow changes as server-sent events",
    audience: 'user',
    description:
      'Events: `state` ({session}, first and on every change), `progress` ({step, message, at}), `shadow` ({shadow}), `error` ({message}, when a newer stream of the same person replaced this one). The stream ends when the session ends or fails.',
    ok: { status: 200, contentType: 'text/event-stream' },
    errors: { 404: ['not_found'], 429: ['too_many_streams'] },
  },
  {
    method: 'post',
    path: '/sessions/:id/tickets',
    summary: 'A one-time display ticket for one of your sessions',
    audience: 'user',
    body: TicketBody,
    ok: { status: 201, schema: TicketAnswer },
    errors: { 403: ['forbidden'], 404: ['not_found'], 409: ['session_not_ready', 'directory_sign_in_required'] },
  },
  { method: 'delete', path: '/sessions/:id', summary: 'End one of your sessions', audience: 'user', ok: { status: 204 }, ...sessionRoute },
  {
    method: 'get',
    path: '/helpdesk/sessions',
    summary: 'Running sessions with names, thumbnails and shadows',
    audience: 'helpdesk',
    ok: { status: 200, schema: HelpdeskSessionList },
    errors: { 403: staffOnly },
  },
  {
    method: 'get',
    path: '/helpdesk/sessions/:id/thumbnail',
    summary: "A small PNG of a running session's screen",
    audience: 'helpdesk',
    ok: { status: 200, contentType: 'image/png' },
    // 503 for sessions shown through guacd (RDP/SSH): no owner display to join, or guacd down.
    errors: { 403: staffOnly, 404: ['not_found'], 503: ['display_not_connected', 'guacd_unavailable'] },
  },
  {
    method: 'post',
    path: '/sessions/:id/shadow',
    summary: "Ask to see (or control) a person's desktop",
    audience: 'helpdesk',
    body: ShadowBody,
    description: 'The owner answers through /shadows/:id/approve or /deny; a pool may let `view` through without asking.',
    ok: { status: 201, schema: ShadowAnswer },
    errors: { 403: staffOnly, 404: ['not_found'], 409: ['session_not_ready', 'own_session', 'too_many_shadows', 'shadow_unsupported'] },
  },
  {
    method: 'get',
    path: '/sessions/:id/shadows',
    summary: "A session's pending and approved shadows",
    audience: 'user',
    ok: { status: 200, schema: ShadowList },
    ...sessionRoute,
  },
  {
    method: 'get',
    path: '/shadows/:id',
    summary: 'One shadow request (its owner, requester or an admin)',
    audience: 'user',
    ok: { status: 200, schema: ShadowAnswer },
    errors: { 404: ['not_found'] },
  },
  ...(['approve', 'deny'] as const).map((answer): RouteDoc => ({
    method: 'post',
    path: `/shadows/:id/${answer}`,
    summary: `${answer === 'approve' ? 'Allow' : 'Refuse'} a shadow request (the session's owner)`,
    ...(answer === 'approve'
      ? { body: ShadowApproveBody, description: '`sound: true` also shares the desktop’s sound (default off).' }
      : {}),
    audience: 'user',
    ok: { status: 200, schema: ShadowAnswer },
    errors: { 403: ['forbidden'], 404: ['not_found'], 409: ['already_answered'] },
  })),
  {
    method: 'post',
    path: '/shadows/:id/end',
    summary: 'End a shadow (its owner, requester or an admin)',
    audience: 'user',
    ok: { status: 200, schema: ShadowAnswer },
    errors: { 404: ['not_found'] },
  },
  {
    method: 'post',
    path: '/shadows/:id/tickets',
    summary: 'A display ticket for an approved shadow, in its mode (the requester)',
    audience: 'helpdesk',
    ok: { status: 201, schema: TicketAnswer },
    errors: { 403: ['forbidden'], 404: ['not_found'], 409: ['shadow_pending', 'shadow_not_approved'] },
  },
];
