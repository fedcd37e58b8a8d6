// The session, desktop and host lifecycles of DESIGN.md as transition tables.
import type { DesktopState, HostState, SessionState } from '../store/types.ts';
import { defineMachine } from './state-machine.ts';

export const sessionMachine = defineMachine<SessionState>('session', {
  starting: ['ready', 'ending', 'failed', 'lost'],
  ready: ['ending', 'failed', 'lost'],
  ending: ['ended', 'failed'],
  // A lost session comes back when its host returns with the desktop still running, else it ends.
  lost: ['ready', 'ending', 'ended'],
  ended: [],
  failed: [],
});

export const desktopMachine = defineMachine<DesktopState>('desktop', {
  creating: ['running', 'stopping', 'failed'],
  running: ['stopping', 'failed', 'gone'],
  stopping: ['gone', 'failed'],
  failed: ['stopping', 'gone'],
  gone: [],
});

/**
 * Agents connecting and dropping move a host between online and unreachable; an admin drains or
 * cordons it (connected or not) and uncordons it back to online (unreachable while its agent is
 * away). A draining or cordoned host keeps that state across reconnects. Nothing in the gateway
 * retires a host to offline today; a silent host may be, and only its agent's return (online)
 * leaves offline: an admin cannot drain or cordon an offline host.
 */
export const hostMachine = defineMachine<HostState>('host', {
  online: ['unreachable', 'draining', 'cordoned'],
  unreachable: ['online', 'draining', 'cordoned', 'offline'],
  draining: ['online', 'unreachable', 'cordoned'],
  cordoned: ['online', 'unreachable', 'draining'],
  offline: ['online'],
});
