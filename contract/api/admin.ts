// Administration of pools, hosts, all sessions, the audit log and metrics history: request and response schemas and the route descriptions of /api/v1 (contract/api/route.ts).
// Pools are answered as stored (times in epoch milliseconds); hosts, sessions and audit events carry ISO 8601 times.
import { z } from 'zod/mini';
import { DRIVERS, HOST_STATES, Id, PROTOCOLS, SESSION_STATES, VIEWER_PROTOCOLS } from '../ids.ts';
import { DEFAULT_SESSION_POLICY, SessionPolicy, SessionPolicyPatch } from './policy.ts';
import type { RouteDoc } from './route.ts';

export const PERSISTENCES = ['pooled', 'personal'] as const;
export type Persistence = (typeof PERSISTENCES)[number];
export const PLACEMENTS = ['breadth', 'depth'] as const;
export type Placement = (typeof PLACEMENTS)[number];
/** A desktop's own network: 'none' (no interface at all) or, for qemu pools, 'restricted': a user-mode
 *  NIC with DHCP that reaches neither the host nor any other network (only the agent's own forwards). */
export const POOL_NETWORKS = ['none', 'restricted'] as const;
export type PoolNetwork = (typeof POOL_NETWORKS)[number];
/** The drivers that offer each network other than 'none'. */
export const NETWORK_DRIVERS: Record<Exclude<PoolNetwork, 'none'>, readonly (typeof DRIVERS)[number][]> = { restricted: ['qemu'] };

const DAY_S = 86400;
/** Ranges of the pool fields: the gateway refuses outside them, the pool form checks the same. */
export const POOL_LIMITS = {
  nameMax: 100,
  descriptionMax: 500,
  imageMax: 256,
  cpuMax: 256,
  memoryMb: { min: 64, max: 1 << 22 },
  minWarm: { min: 0, max: 1000 },
  maxDesktops: { min: 1, max: 100_000 },
  maxPerUser: { min: 1, max: 100 },
  idleTimeoutS: { min: 0, max: 30 * DAY_S },
  graceS: { min: 0, max: 30 * DAY_S },
  maxLifetimeS: { min: 0, max: 365 * DAY_S },
  groupsMax: 100,
} as const;
const L = POOL_LIMITS;
const whole = (r: { min: number; max: number }) => z.int().check(z.gte(r.min), z.lte(r.max));

/** Every field an admin sets on a pool. Timeouts are whole seconds (0 = never); `groups` holds group ids, empty = everyone. */
export const PoolFields = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(L.nameMax)),
  description: z.string().check(z.maxLength(L.descriptionMax)),
  driver: z.enum(DRIVERS),
  protocol: z.enum(PROTOCOLS),
  image: z.nullable(z.string().check(z.maxLength(L.imageMax))),
  cpu: z.nullable(z.number().check(z.positive(), z.lte(L.cpuMax))),
  memoryMb: z.nullable(whole(L.memoryMb)),
  minWarm: whole(L.minWarm),
  maxDesktops: whole(L.maxDesktops),
  maxPerUser: whole(L.maxPerUser),
  idleTimeoutS: whole(L.idleTimeoutS),
  graceS: whole(L.graceS),
  maxLifetimeS: whole(L.maxLifetimeS),
  persistence: z.enum(PERSISTENCES),
  placement: z.enum(PLACEMENTS),
  network: z.enum(POOL_NETWORKS),
  groups: z.array(z.string().check(z.maxLength(64))).check(z.maxLength(L.groupsMax)),
  /** Helpdesk may view (not control) without asking; the user still sees a banner. */
  shadowWithoutConsent: z.boolean(),
  /** Recording, file transfer, clipboard and sound for this pool's sessions (contract/api/policy.ts). */
  policy: SessionPolicy,
});
export type PoolInput = z.infer<typeof PoolFields>;

/** What a new pool gets for each field the request leaves out. */
export const POOL_DEFAULTS = {
  description: '',
  image: null,
  cpu: null,
  memoryMb: null,
  minWarm: 0,
  maxDesktops: 50,
  maxPerUser: 3,
  idleTimeoutS: 3600,
  graceS: 600,
  maxLifetimeS: 12 * 3600,
  persistence: 'pooled',
  placement: 'breadth',
  network: 'none',
  groups: [],
  shadowWithoutConsent: false,
  policy: DEFAULT_SESSION_POLICY,
} as const satisfies Omit<PoolInput, 'name' | 'driver' | 'protocol'>;

const { name, driver, protocol, ...defaulted } = PoolFields.shape;
/** POST /admin/pools: name, driver and protocol; the rest falls back to POOL_DEFAULTS. */
export const PoolCreate = z.strictObject({
  name,
  driver,
  protocol,
  ...(Object.fromEntries(Object.entries(defaulted).map(([k, v]) => [k, z.optional(v)])) as {
    [K in keyof Omit<typeof defaulted, 'policy'>]: z.ZodMiniOptional<(typeof defaulted)[K]>;
  }),
  /** Any subset; the rest takes DEFAULT_SESSION_POLICY. */
  policy: z.optional(SessionPolicyPatch),
});
export type PoolCreate = z.infer<typeof PoolCreate>;
/** PATCH /admin/pools/:id: any subset of the fields; `policy` too is merged field by field. */
export const PoolPatch = z.partial(z.strictObject({ ...PoolFields.shape, policy: SessionPolicyPatch }));
export type PoolPatch = z.infer<typeof PoolPatch>;

/** A pool as stored; `unavailable` (lists only) says why it cannot be launched now ("RDP needs guacd: …"). */
export const Pool = z.object({ ...PoolFields.shape, id: z.string(), createdAt: z.number(), unavailable: z.optional(z.string()) });
export type Pool = z.infer<typeof Pool>;

export const HostCapacity = z.object({ desktops: z.number(), cpu: z.number(), memoryMb: z.number() });
/** A host (enrolled agent) without its credential; `connected` says whether its agent is connected now. */
export const HostView = z.object({
  id: z.string(),
  name: z.string(),
  labels: z.record(z.string(), z.string()),
  drivers: z.array(z.enum(DRIVERS)),
  capacity: HostCapacity,
  state: z.enum(HOST_STATES),
  lastHeartbeatAt: z.nullable(z.string()),
  createdAt: z.string(),
  connected: z.boolean(),
});
export type HostView = z.infer<typeof HostView>;
/** Disk the desktops of a connected host hold (VM disks: overlays and kept personal disks), from its agent's last heartbeat. */
export const HostDisk = z.object({ bytes: z.number(), desktops: z.number() });
/** A host in the list, with its load: desktops on it now (creating, running or stopping), of which warm spares;
 *  `disk` when its agent reports disks (qemu hosts). */
export const HostListItem = z.object({ ...HostView.shape, desktops: z.number(), spares: z.number(), disk: z.optional(HostDisk) });
export type HostListItem = z.infer<typeof HostListItem>;
export const HOST_ACTIONS = ['drain', 'cordon', 'uncordon'] as const;
export type HostAction = (typeof HOST_ACTIONS)[number];

/** A one-time enrollment token for a new host; shown once. */
export const Enrollment = z.object({ token: z.string(), expiresAt: z.string() });
export type Enrollment = z.infer<typeof Enrollment>;

/** A session as the admin list shows it: the session view plus its desktop and the names of its user, pool and host. */
export const AdminSession = z.object({
  id: z.string(),
  /** Absent for a session on an existing machine (machineId). */
  poolId: z.optional(z.string()),
  machineId: z.optional(z.string()),
  protocol: z.enum(VIEWER_PROTOCOLS),
  userId: z.string(),
  state: z.enum(SESSION_STATES),
  hostId: z.optional(z.string()),
  createdAt: z.string(),
  readyAt: z.optional(z.string()),
  endedAt: z.optional(z.string()),
  viewers: z.number(),
  error: z.optional(z.string()),
  desktopId: z.nullable(z.string()),
  username: z.nullable(z.string()),
  poolName: z.nullable(z.string()),
  hostName: z.nullable(z.string()),
  /** Disk the session's desktop holds on its host (a VM's overlay), as its agent last reported. */
  diskBytes: z.optional(z.number()),
});
export type AdminSession = z.infer<typeof AdminSession>;

/** GET /admin/sessions: `state` is a comma-separated list of session states. */
export const AdminSessionQuery = z.object({
  state: z.pipe(
    z.pipe(
      z.optional(z.string().check(z.maxLength(100))),
      z.transform((s) => (s ? s.split(',') : undefined)),
    ),
    z.optional(z.array(z.enum(SESSION_STATES))),
  ),
  userId: z.optional(Id),
  poolId: z.optional(Id),
  hostId: z.optional(Id),
});

export const AUDIT_RESULTS = ['ok', 'denied', 'failed'] as const;
export const AuditEvent = z.object({
  id: z.number(),
  at: z.string(),
  actor: z.nullable(z.string()),
  action: z.string(),
  target: z.nullable(z.string()),
  result: z.enum(AUDIT_RESULTS),
  ip: z.nullable(z.string()),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEvent = z.infer<typeof AuditEvent>;
/** GET /admin/audit: newest first; actor and action filter exactly; `format=csv` downloads (up to 1000 rows). */
export const AuditQuery = z.object({
  since: z.optional(z.string()),
  actor: z.optional(z.string().check(z.maxLength(128))),
  action: z.optional(z.string().check(z.maxLength(64))),
  limit: z.optional(z.pipe(z.coerce.number(), z.int().check(z.gte(1), z.lte(1000)))),
  format: z.optional(z.enum(['json', 'csv'])),
});
export const AUDIT_CSV_HEADER = ['id', 'at', 'actor', 'action', 'target', 'result', 'ip', 'details'] as const;

export const LiveSessionCounts = z.object({ starting: z.number(), ready: z.number(), ending: z.number(), lost: z.number() });
export const MetricsPoint = z.object({
  at: z.string(),
  sessions: LiveSessionCounts,
  hostsOnline: z.number(),
  /** Launches during this interval. */
  launches: z.number(),
  /** Seconds; null when there were no launches in the interval. */
  launchP50S: z.nullable(z.number()),
  launchP90S: z.nullable(z.number()),
  relayBytesPerS: z.number(),
});
export type MetricsPoint = z.infer<typeof MetricsPoint>;
/** The live counts at the moment of the answer (the last point may be up to one interval old). */
export const MetricsNow = z.object({ at: z.string(), sessions: LiveSessionCounts, hostsOnline: z.number() });
export type MetricsNow = z.infer<typeof MetricsNow>;
/** The last hour: one point every `intervalS` seconds, oldest first, and the counts now. */
/** A problem the dashboard shows at the top (e.g. "Recording storage": recordings cannot be written). */
export const DashboardAlert = z.object({ id: z.string(), title: z.string(), message: z.string(), since: z.nullable(z.string()) });
export type DashboardAlert = z.infer<typeof DashboardAlert>;
export const MetricsHistory = z.object({
  intervalS: z.number(),
  points: z.array(MetricsPoint),
  now: MetricsNow,
  alerts: z.optional(z.array(DashboardAlert)),
});
export type MetricsHistory = z.infer<typeof MetricsHistory>;

const FORBIDDEN = { 403: ['forbidden', 'mfa_enrollment_required'] } as const;
const hostAction = (verb: HostAction, summary: string): RouteDoc => ({
  method: 'post',
  path: `/admin/hosts/:id/${verb}`,
  summary,
  audience: 'admin',
  ok: { status: 200, schema: HostView },
  description:
    'Host states move by the host lifecycle (server/broker/lifecycles.ts): drain and cordon need a host that is not offline; uncordon brings a draining or cordoned host back (online when its agent is connected, else unreachable).',
  errors: { ...FORBIDDEN, 404: ['not_found'], 409: ['host_offline', 'illegal_transition'] },
});

export const ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This API described as OpenAPI 3.1',
    audience: 'public',
    ok: { status: 200, contentType: 'application/json' },
  },
  {
    method: 'get',
    path: '/admin/sessions',
    summary: 'All sessions, filtered by state, user, pool or host',
    audience: 'admin',
    query: AdminSessionQuery,
    ok: { status: 200, schema: z.array(AdminSession) },
    errors: FORBIDDEN,
  },
  {
    method: 'delete',
    path: '/admin/sessions/:id',
    summary: 'End any session now',
    audience: 'admin',
    ok: { status: 204 },
    errors: { ...FORBIDDEN, 404: ['not_found'] },
  },
  {
    method: 'get',
    path: '/admin/pools',
    summary: 'Every pool with all its fields',
    audience: 'admin',
    ok: { status: 200, schema: z.array(Pool) },
    errors: FORBIDDEN,
  },
  {
    method: 'get',
    path: '/admin/pools/:id',
    summary: 'One pool',
    audience: 'admin',
    ok: { status: 200, schema: Pool },
    errors: { ...FORBIDDEN, 404: ['not_found'] },
  },
  {
    method: 'post',
    path: '/admin/pools',
    summary: 'Create a pool',
    description: 'Fields left out take POOL_DEFAULTS. Entitled groups must exist.',
    audience: 'admin',
    body: PoolCreate,
    ok: { status: 201, schema: Pool },
    errors: { ...FORBIDDEN, 409: ['name_taken'] },
  },
  {
    method: 'patch',
    path: '/admin/pools/:id',
    summary: 'Change a pool',
    description: 'People no longer entitled lose their desktops in the pool now.',
    audience: 'admin',
    body: PoolPatch,
    ok: { status: 200, schema: Pool },
    errors: { ...FORBIDDEN, 404: ['not_found'], 409: ['name_taken'] },
  },
  {
    method: 'delete',
    path: '/admin/pools/:id',
    summary: 'Delete a pool without live sessions',
    audience: 'admin',
    ok: { status: 204 },
    errors: { ...FORBIDDEN, 404: ['not_found'], 409: ['pool_in_use'] },
  },
  {
    method: 'get',
    path: '/admin/hosts',
    summary: 'Every host with its connection and load',
    audience: 'admin',
    ok: { status: 200, schema: z.array(HostListItem) },
    errors: FORBIDDEN,
  },
  {
    method: 'post',
    path: '/admin/hosts/enrollments',
    summary: 'A one-time enrollment token for a new host (valid one hour)',
    audience: 'admin',
    ok: { status: 201, schema: Enrollment },
    errors: FORBIDDEN,
  },
  hostAction('drain', 'Drain a host: no new desktops; warm spares leave'),
  hostAction('cordon', 'Cordon a host: no new desktops'),
  hostAction('uncordon', 'Bring a drained or cordoned host back into service'),
  {
    method: 'delete',
    path: '/admin/hosts/:id',
    summary: 'Remove a host without desktops and cut its agent off',
    audience: 'admin',
    ok: { status: 204 },
    errors: { ...FORBIDDEN, 404: ['not_found'], 409: ['host_in_use'] },
  },
  {
    method: 'get',
    path: '/admin/audit',
    summary: 'The audit log, newest first, as JSON or CSV',
    audience: 'admin',
    query: AuditQuery,
    ok: { status: 200, schema: z.array(AuditEvent) },
    description: `With format=csv: text/csv with the header ${AUDIT_CSV_HEADER.join(',')}.`,
    errors: FORBIDDEN,
  },
  {
    method: 'get',
    path: '/admin/metrics/history',
    summary: 'The last hour of gateway metrics and the live counts now',
    audience: 'admin',
    ok: { status: 200, schema: MetricsHistory },
    errors: FORBIDDEN,
  },
];
