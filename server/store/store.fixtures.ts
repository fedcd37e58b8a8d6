// Entity builders for the store contract suite: complete, valid entities with unique ids, so a
// test states only the fields it is about.
import { DEFAULT_SESSION_POLICY } from '../../contract/api/policy.ts';
import type { Desktop, Host, Pool, Session, Ticket, User } from './types.ts';

/** A fixed "now" for the contract; stores get explicit times so no test depends on the wall clock. */
export const T0 = Date.UTC(2026, 0, 1);

let seq = 0;
/** Unique ids and names, so a test never collides with a row another step created. */
export const uid = (prefix: string): string => `${prefix}-${process.pid}-${++seq}`;

export const aUser = (o: Partial<User> = {}): User => ({
  id: uid('user'),
  username: uid('name'),
  displayName: 'Ada Lovelace',
  roles: ['user'],
  groups: [],
  disabled: false,
  passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
  createdAt: T0,
  ...o,
});

export const aPool = (o: Partial<Pool> = {}): Pool => ({
  id: uid('pool'),
  name: uid('Pool'),
  description: 'A pool',
  driver: 'process',
  protocol: 'vnc',
  image: null,
  cpu: 2,
  memoryMb: 2048,
  minWarm: 1,
  maxDesktops: 10,
  maxPerUser: 1,
  idleTimeoutS: 3600,
  graceS: 300,
  maxLifetimeS: 0,
  persistence: 'pooled',
  placement: 'breadth',
  network: 'none',
  groups: [],
  shadowWithoutConsent: false,
  policy: DEFAULT_SESSION_POLICY,
  createdAt: T0,
  ...o,
});

export const aHost = (o: Partial<Host> = {}): Host => ({
  id: uid('host'),
  name: uid('host'),
  labels: { zone: 'a', gpu: 'none' },
  drivers: ['process', 'docker'],
  capacity: { desktops: 8, cpu: 16, memoryMb: 32768 },
  state: 'online',
  credentialHash: uid('cred'),
  lastHeartbeatAt: null,
  createdAt: T0,
  ...o,
});

export const aDesktop = (poolId: string, hostId: string, o: Partial<Desktop> = {}): Desktop => ({
  id: uid('desk'),
  poolId,
  hostId,
  state: 'running',
  ownerId: null,
  secret: 's3cret',
  error: null,
  createdAt: T0,
  updatedAt: T0,
  ...o,
});

export const aSession = (userId: string, poolId: string, o: Partial<Session> = {}): Session => ({
  id: uid('sess'),
  poolId,
  userId,
  state: 'starting',
  desktopId: null,
  hostId: null,
  createdAt: T0,
  readyAt: null,
  endedAt: null,
  lastActivityAt: T0,
  detachedAt: null,
  error: null,
  ...o,
});

export const aTicket = (userId: string, sessionId: string, o: Partial<Ticket> = {}): Ticket => ({
  hash: uid('ticket'),
  userId,
  sessionId,
  mode: 'control',
  expiresAt: T0 + 30_000,
  usedAt: null,
  createdAt: T0,
  ...o,
});
