// Names and shapes every part of Deskport agrees on: ids, drivers, protocols, states, roles.
import { z } from 'zod/mini';

/** Ids of users, pools, sessions, hosts, groups… in URLs and bodies. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const Id = z.string().check(z.regex(ID_PATTERN, 'must be an id'));

export const DRIVERS = ['process', 'docker', 'qemu', 'static'] as const;
export type DriverName = (typeof DRIVERS)[number];
/** Drivers an agent can run today (qemu partly: docs/qemu.md; static is a name in the list, not built yet). */
export const AGENT_DRIVERS = ['process', 'docker', 'qemu'] as const satisfies readonly DriverName[];

/** What a pool's desktops serve: VNC (relayed by the gateway to noVNC) or RDP (through guacd). */
export const PROTOCOLS = ['vnc', 'rdp'] as const;
export type DisplayProtocol = (typeof PROTOCOLS)[number];
/** What an existing machine an admin registers speaks; rdp and ssh (and vnc for machines) go through guacd. */
export const MACHINE_PROTOCOLS = ['rdp', 'vnc', 'ssh'] as const;
export type MachineProtocol = (typeof MACHINE_PROTOCOLS)[number];
/** How a browser shows a display: noVNC over /ws/vnc, or guacamole-common-js over /ws/rdp (guacd). */
export const VIEWER_PROTOCOLS = ['vnc', 'rdp', 'ssh'] as const;
export type ViewerProtocol = (typeof VIEWER_PROTOCOLS)[number];

export const ROLES = ['user', 'helpdesk', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const SESSION_STATES = ['starting', 'ready', 'ending', 'ended', 'failed', 'lost'] as const;
export type SessionState = (typeof SESSION_STATES)[number];
/** States in which a session still holds (or is getting) a desktop. */
export const LIVE_SESSION_STATES = ['starting', 'ready', 'ending'] as const satisfies readonly SessionState[];
/**
 * States a session never leaves. `lost` is not one: a lost session comes back to `ready` when its
 * host returns (server/broker/lifecycles.ts), so it can still be ended.
 */
export const FINAL_SESSION_STATES = ['ended', 'failed'] as const satisfies readonly SessionState[];

export const HOST_STATES = ['online', 'unreachable', 'draining', 'cordoned', 'offline'] as const;
export type HostState = (typeof HOST_STATES)[number];
