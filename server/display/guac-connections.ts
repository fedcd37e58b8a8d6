// Which guacd connection shows a session's owner right now: /ws/rdp adds the id guacd announced with
// `ready` for an owner's display and removes it when that display closes; helpdesk thumbnails (and
// shadow joins) read it. An owner may have several displays open (two tabs): the newest is used and
// the older ones take over when it closes. Bounded: sessions and displays per session are capped,
// the oldest dropped first.

export interface GuacConnections {
  /** The owner's display of sessionId is guacd connection `connectionId` (say so after `ready`). */
  add(sessionId: string, connectionId: string): void;
  /** That display closed (safe to call twice, and for an id never added). */
  remove(sessionId: string, connectionId: string): void;
  /** The newest live owner display of the session, or null when none is connected. */
  current(sessionId: string): string | null;
}

export interface GuacConnectionsOptions {
  maxSessions?: number;
  maxPerSession?: number;
}

export function createGuacConnections(o: GuacConnectionsOptions = {}): GuacConnections {
  const maxSessions = o.maxSessions ?? 10_000;
  const maxPerSession = o.maxPerSession ?? 8;
  // Map order is insertion order: re-inserting on add keeps the least recently added session first.
  const bySession = new Map<string, string[]>();
  return {
    add(sessionId, connectionId) {
      const ids = (bySession.get(sessionId) ?? []).filter((id) => id !== connectionId);
      ids.push(connectionId);
      if (ids.length > maxPerSession) ids.shift();
      bySession.delete(sessionId);
      bySession.set(sessionId, ids);
      if (bySession.size > maxSessions) bySession.delete(bySession.keys().next().value!);
    },
    remove(sessionId, connectionId) {
      const ids = bySession.get(sessionId);
      if (!ids) return;
      const rest = ids.filter((id) => id !== connectionId);
      if (rest.length === 0) bySession.delete(sessionId);
      else bySession.set(sessionId, rest);
    },
    current(sessionId) {
      return bySession.get(sessionId)?.at(-1) ?? null;
    },
  };
}
