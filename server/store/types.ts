// Entities and the Store interface. One interface, several implementations (SQLite now,
// PostgreSQL later), all checked by one contract suite (store.contract.ts). Async so a network
// database fits behind it. Times are epoch milliseconds.
import type { Signals } from './signal-types.ts';
import type { ShadowStore } from './shadow-types.ts';
import type { DownloadTicketStore } from './download-ticket-types.ts';
import type { GatewayStore } from './gateway-types.ts';
import type { SignInStateStore } from './sign-in-state-types.ts';
import type { IdentityStore } from './identity-types.ts';
import type { SessionPolicy } from '../../contract/api/policy.ts';
import type { ViewerProtocol } from '../../contract/ids.ts';
import type { MachineStore } from './machine-types.ts';
import type { SignInSecretStore } from './sign-in-secret-types.ts';
import type { RecordingStore } from './recording-types.ts';

export type Role = 'user' | 'helpdesk' | 'admin';
export const ROLES: readonly Role[] = ['user', 'helpdesk', 'admin'];

export interface User {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
  groups: string[]; // group ids
  disabled: boolean;
  passwordHash: string | null; // null for accounts from an identity provider
  createdAt: number;
}

export interface Group {
  id: string;
  name: string;
  description: string;
}

export type Protocol = 'vnc' | 'rdp';
export type DriverName = 'process' | 'docker' | 'qemu' | 'static';
export type Persistence = 'pooled' | 'personal';
export type Placement = 'breadth' | 'depth';
export type PoolNetwork = 'none' | 'restricted';

export interface Pool {
  id: string;
  name: string;
  description: string;
  driver: DriverName;
  protocol: Protocol;
  image: string | null;
  cpu: number | null;
  memoryMb: number | null;
  minWarm: number;
  maxDesktops: number;
  maxPerUser: number;
  idleTimeoutS: number; // 0 = never
  graceS: number;
  maxLifetimeS: number; // 0 = never
  persistence: Persistence;
  placement: Placement;
  /** The desktops' own network (contract/api/admin.ts POOL_NETWORKS). */
  network: PoolNetwork;
  groups: string[]; // entitled group ids; empty = everyone
  /** Helpdesk may shadow in view mode without the owner's consent (the owner still sees a banner). */
  shadowWithoutConsent: boolean;
  /** Recording, files, clipboard and sound (contract/api/policy.ts). */
  policy: SessionPolicy;
  createdAt: number;
}

export type HostState = 'online' | 'unreachable' | 'draining' | 'cordoned' | 'offline';

export interface Host {
  id: string;
  name: string;
  labels: Record<string, string>;
  drivers: DriverName[];
  capacity: { desktops: number; cpu: number; memoryMb: number };
  state: HostState;
  credentialHash: string; // sha256 of the host credential
  lastHeartbeatAt: number | null;
  createdAt: number;
}

export type DesktopState = 'creating' | 'running' | 'stopping' | 'gone' | 'failed';

export interface Desktop {
  id: string;
  poolId: string;
  hostId: string;
  state: DesktopState;
  ownerId: string | null; // null while warm
  secret: string; // VNC password; never leaves gateway/agent
  error: string | null;
  createdAt: number;
  updatedAt: number;
}

export type SessionState = 'starting' | 'ready' | 'ending' | 'ended' | 'failed' | 'lost';
export const LIVE_SESSION_STATES: readonly SessionState[] = ['starting', 'ready', 'ending'];

/** A session is on a pool (a desktop Deskport starts) or on an existing machine: exactly one of poolId and machineId. */
export interface Session {
  id: string;
  poolId: string | null;
  /** Absent or null for a pool session. */
  machineId?: string | null;
  /** What a viewer speaks to it (the pool's or the machine's protocol, fixed at launch); absent = 'vnc'. */
  protocol?: ViewerProtocol;
  userId: string;
  state: SessionState;
  desktopId: string | null;
  hostId: string | null;
  createdAt: number;
  readyAt: number | null;
  endedAt: number | null;
  lastActivityAt: number;
  /** When the last viewer left; null while someone watches (or nobody ever connected yet). */
  detachedAt: number | null;
  error: string | null;
}

export type TicketMode = 'control' | 'view';

export interface Ticket {
  hash: string; // sha256 hex of the ticket
  userId: string;
  sessionId: string;
  mode: TicketMode;
  expiresAt: number;
  usedAt: number | null;
  createdAt: number;
  /** The web session (its public id) the ticket was issued from; null/absent for API tokens and staff joins. */
  webSessionId?: string | null;
  /** The helpdesk shadow the ticket opens (its requester holds it); absent for the owner's own tickets. */
  shadowId?: string | null;
}

export interface AuditEvent {
  id: number;
  at: number;
  actor: string | null; // username or 'system'
  action: string; // e.g. auth.login, session.launch
  target: string | null;
  result: 'ok' | 'denied' | 'failed';
  ip: string | null;
  details: Record<string, unknown>;
}

export interface WebSession {
  hash: string; // sha256 hex of the cookie value
  /** Public, non-secret id: what "signed-in browsers" lists and revokes. */
  id: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
  /** Where the sign-in came from (client address, User-Agent, truncated); null when unknown. */
  ip?: string | null;
  userAgent?: string | null;
}

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  hash: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
}

/** A user's TOTP second factor; `confirmedAt` null while enrolment is pending. */
export interface TotpFactor {
  userId: string;
  secret: string; // base32
  createdAt: number;
  confirmedAt: number | null;
  /** The newest TOTP time step accepted; codes of this step or older are refused (replay). */
  lastStep: number | null;
}

/** "Remember this browser": skips the one-time code for one user on one browser until expiresAt. */
export interface RememberedBrowser {
  hash: string; // sha256 hex of the cookie value
  userId: string;
  createdAt: number;
  expiresAt: number;
}

/** Who must use a second factor, and for how long a browser may be remembered (0 = never). */
export interface MfaPolicy {
  requiredRoles: Role[];
  requiredGroups: string[]; // group ids
  rememberDays: number;
}

export const DEFAULT_MFA_POLICY: MfaPolicy = { requiredRoles: [], requiredGroups: [], rememberDays: 0 };

export interface EnrollmentToken {
  hash: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export type EnrollmentRedemption = 'redeemed' | 'used' | 'expired' | 'unknown';

export type NewAuditEvent = Omit<AuditEvent, 'id' | 'at'> & { at?: number };

export interface SessionFilter {
  state?: SessionState[];
  userId?: string;
  poolId?: string;
  machineId?: string;
  hostId?: string;
  desktopId?: string;
  /** Only sessions that came up on a host (readyAt and hostId set). */
  cameUp?: boolean;
  /** Default 500, newest first; pass ALL_ROWS when every match is needed (sweeps, reconciliation). */
  limit?: number;
}

export const ALL_ROWS = Number.MAX_SAFE_INTEGER;

export interface Store
  extends IdentityStore, MachineStore, SignInSecretStore, RecordingStore, SignInStateStore, ShadowStore, GatewayStore, DownloadTicketStore {
  // users and groups
  createUser(u: Omit<User, 'createdAt'> & { createdAt?: number }): Promise<User>;
  getUser(id: string): Promise<User | null>;
  getUserByName(username: string): Promise<User | null>;
  listUsers(): Promise<User[]>;
  updateUser(id: string, patch: Partial<Omit<User, 'id' | 'createdAt'>>): Promise<User | null>;
  deleteUser(id: string): Promise<boolean>;
  countUsers(): Promise<number>;
  createGroup(g: Group): Promise<Group>;
  getGroup(id: string): Promise<Group | null>;
  getGroupByName(name: string): Promise<Group | null>;
  listGroups(): Promise<Group[]>;
  deleteGroup(id: string): Promise<boolean>;

  // web sessions (cookies) and API tokens, stored hashed
  createWebSession(s: WebSession): Promise<void>;
  getWebSession(hash: string): Promise<WebSession | null>;
  touchWebSession(hash: string, lastSeenAt: number, expiresAt: number): Promise<void>;
  deleteWebSession(hash: string): Promise<void>;
  /** Ends every web session of the user except the one whose hash is `exceptHash`; returns how many. */
  deleteWebSessionsOfUser(userId: string, exceptHash?: string): Promise<number>;
  deleteExpiredWebSessions(now: number): Promise<number>;
  /** The user's web sessions, most recently seen first. */
  listWebSessionsOfUser(userId: string): Promise<WebSession[]>;
  /** Deletes the user's web session with this public id; false when it is not theirs or unknown. */
  deleteWebSessionById(userId: string, id: string): Promise<boolean>;
  createApiToken(t: ApiToken): Promise<void>;
  getApiTokenByHash(hash: string): Promise<ApiToken | null>;
  touchApiToken(id: string, at: number): Promise<void>;
  /** The user's API tokens, newest first. */
  listApiTokensOfUser(userId: string): Promise<ApiToken[]>;
  /** Deletes the user's token with this id; false when it is not theirs or unknown. */
  deleteApiToken(userId: string, id: string): Promise<boolean>;

  // second factors (TOTP), recovery codes, remembered browsers, and the MFA policy
  getTotp(userId: string): Promise<TotpFactor | null>;
  /** Stores a pending (unconfirmed) secret, replacing an older pending one; false when a confirmed
   *  factor exists (it must be removed first). */
  putPendingTotp(userId: string, secret: string, now: number): Promise<boolean>;
  /** Atomically confirms the pending factor holding `secret`, records `step` as used and replaces the
   *  recovery codes; false when there is no such pending factor. */
  confirmTotp(userId: string, secret: string, step: number, recoveryHashes: string[], now: number): Promise<boolean>;
  /** Compare-and-set: records `step` as used when it is newer than the last one; false = replay. */
  advanceTotpStep(userId: string, step: number): Promise<boolean>;
  /** Removes the factor, the recovery codes and the remembered browsers; true when a factor existed. */
  clearMfa(userId: string): Promise<boolean>;
  /** Ids of users with a confirmed factor. */
  listTotpUserIds(): Promise<string[]>;
  /** Atomically marks an unused recovery code used; true when this call consumed it. */
  consumeRecoveryCode(userId: string, hash: string, now: number): Promise<boolean>;
  countRecoveryCodes(userId: string): Promise<number>;
  createRememberedBrowser(b: RememberedBrowser): Promise<void>;
  getRememberedBrowser(hash: string): Promise<RememberedBrowser | null>;
  /** Forgets the user's remembered browsers except `exceptHash`; returns how many. */
  deleteRememberedBrowsersOfUser(userId: string, exceptHash?: string): Promise<number>;
  deleteExpiredRememberedBrowsers(now: number): Promise<number>;
  /** The stored policy, or DEFAULT_MFA_POLICY when none was ever set. */
  getMfaPolicy(): Promise<MfaPolicy>;
  setMfaPolicy(p: MfaPolicy, now: number): Promise<MfaPolicy>;

  // pools
  createPool(p: Pool): Promise<Pool>;
  getPool(id: string): Promise<Pool | null>;
  getPoolByName(name: string): Promise<Pool | null>;
  listPools(): Promise<Pool[]>;
  updatePool(id: string, patch: Partial<Omit<Pool, 'id' | 'createdAt'>>): Promise<Pool | null>;
  deletePool(id: string): Promise<boolean>;

  // hosts and enrollment
  createHost(h: Host): Promise<Host>;
  getHost(id: string): Promise<Host | null>;
  getHostByCredentialHash(hash: string): Promise<Host | null>;
  listHosts(): Promise<Host[]>;
  updateHost(id: string, patch: Partial<Omit<Host, 'id' | 'createdAt'>>): Promise<Host | null>;
  deleteHost(id: string): Promise<boolean>;
  createEnrollmentToken(t: EnrollmentToken): Promise<void>;
  /**
   * Atomically marks an unused, unexpired token used: 'redeemed' when this call did; otherwise why
   * not, so a refused agent can be told what to do (see RefusalCode in contract/agent-v1.ts).
   */
  redeemEnrollmentToken(hash: string, now: number): Promise<EnrollmentRedemption>;

  // desktops
  createDesktop(d: Desktop): Promise<Desktop>;
  getDesktop(id: string): Promise<Desktop | null>;
  listDesktops(filter?: { hostId?: string; poolId?: string; state?: DesktopState[]; ownerless?: boolean }): Promise<Desktop[]>;
  updateDesktop(id: string, patch: Partial<Omit<Desktop, 'id' | 'createdAt'>>): Promise<Desktop | null>;
  /** Compare-and-set: applies the patch only while the stored state is one of `when.state` (and, with
   *  ownerless, the desktop still has no owner); null when it did not apply or the id is unknown. */
  updateDesktopIf(
    id: string,
    when: { state: DesktopState[]; ownerless?: boolean },
    patch: Partial<Omit<Desktop, 'id' | 'createdAt'>>,
  ): Promise<Desktop | null>;
  /** Atomically gives one running ownerless desktop of the pool to the user; null when none. */
  claimWarmDesktop(poolId: string, userId: string, now: number): Promise<Desktop | null>;
  countDesktops(filter: { poolId?: string; hostId?: string; state: DesktopState[] }): Promise<number>;
  /** Desktops in these states per host, and how many of them are ownerless (warm spares): one query. */
  countDesktopsByHost(state: DesktopState[]): Promise<Map<string, { desktops: number; spares: number }>>;

  // sessions
  createSession(s: Session): Promise<Session>;
  getSession(id: string): Promise<Session | null>;
  listSessions(filter?: SessionFilter): Promise<Session[]>;
  /**
   * Live sessions (ready, starting, lost) a timer rule may end now: past their pool's max lifetime
   * or idle timeout, detached or lost for longer than its grace, or starting for longer than
   * stuckMs. The broker's sweep still checks each (viewers are in memory); this only keeps it from
   * reading every live session every second.
   */
  listDueSessions(now: number, stuckMs: number): Promise<Session[]>;
  /** Sessions per state, for the given states (absent states count 0). */
  countSessionsByState(states: readonly SessionState[]): Promise<Record<string, number>>;
  updateSession(id: string, patch: Partial<Omit<Session, 'id' | 'createdAt'>>): Promise<Session | null>;
  /** Compare-and-set on the session's state; null when it did not apply or the id is unknown. */
  updateSessionIf(id: string, when: { state: SessionState[] }, patch: Partial<Omit<Session, 'id' | 'createdAt'>>): Promise<Session | null>;
  /** The user's live (starting|ready|ending) session in the pool, if any. */
  findLiveSession(userId: string, poolId: string): Promise<Session | null>;
  /** `kind` counts only pool sessions (desktops) or only sessions on existing machines. */
  countLiveSessions(filter: { userId?: string; poolId?: string; machineId?: string; kind?: 'pool' | 'machine' }): Promise<number>;

  // tickets
  createTicket(t: Ticket): Promise<void>;
  /** Atomically consumes an unused, unexpired ticket; returns it, or null (unknown, used or expired). */
  consumeTicket(hash: string, now: number): Promise<Ticket | null>;
  deleteExpiredTickets(now: number): Promise<number>;

  // audit (append-only)
  appendAudit(e: NewAuditEvent): Promise<AuditEvent>;
  listAudit(filter?: { since?: number; actor?: string; action?: string; limit?: number; beforeId?: number }): Promise<AuditEvent[]>;

  // leases: one holder at a time per job, among gateways sharing the store
  /**
   * Takes the lease `name` for `holder` until `until` if it is free (never taken, or expired at
   * `now`) or already `holder`'s (a renewal); one statement, so of several callers at once at most
   * one gets it. True when `holder` has it now.
   */
  acquireLease(name: string, holder: string, now: number, until: number): Promise<boolean>;
  /** Gives the lease up if `holder` has it (a gateway stopping), so another can take it at once. */
  releaseLease(name: string, holder: string): Promise<void>;

  /** Messages to the other gateways on this store (signal-types.ts). */
  readonly signals: Signals;
  /** Cheap liveness check for /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
