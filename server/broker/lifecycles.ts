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

export const hostMachine = defineMachine<HostState>('host', {
  online: ['unreachable', 'draining', 'cordoned', 'offline'],
  unreachable: ['online', 'offline', 'draining', 'cordoned'],
  draining: ['online', 'cordoned', 'offline', 'unreachable'],
  cordoned: ['online', 'draining', 'offline', 'unreachable'],
  offline: ['online'],
});
