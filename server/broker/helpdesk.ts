// What the helpdesk console and shadowing need beyond the broker: the running sessions with the
// names staff read and their shadows, asking to shadow a session, and display tickets for an
// approved shadow (in its mode only). The web routes stay thin: they parse, call these, render.
import type { HelpdeskSession, TicketMode } from '../../contract/api/desktops.ts';
import { conflict, forbidden, notFound } from '../errors.ts';
import type { Store, User } from '../store/types.ts';
import { ALL_ROWS } from '../store/types.ts';
import type { Broker } from './broker.ts';
import { shadowView, type Shadow, type ShadowPolicy, type Shadows } from './shadows.ts';
import type { Tickets } from './tickets.ts';

export interface HelpdeskDeps {
  store: Store;
  broker: Broker;
  shadows: Shadows;
  tickets: Tickets;
}

/** Existing machines: who may shadow is the helpdesk role (as for pools), and the person always answers. */
const MACHINE_SHADOW_POLICY: ShadowPolicy = { shadowWithoutConsent: false };

export function createHelpdesk({ store, broker, shadows, tickets }: HelpdeskDeps) {
  return {
    /** Every ready session, with its owner's and pool's names, its thumbnail and its shadows. */
    async liveSessions(): Promise<HelpdeskSession[]> {
      const sessions = await store.listSessions({ state: ['ready'], limit: ALL_ROWS });
      const [users, pools, hosts, machines] = await Promise.all([
        store.listUsers(),
        store.listPools(),
        store.listHosts(),
        store.listMachines(),
      ]);
      const user = new Map(users.map((u) => [u.id, u]));
      const pool = new Map(pools.map((p) => [p.id, p.name]));
      const machine = new Map(machines.map((m) => [m.id, m.name]));
      const host = new Map(hosts.map((h) => [h.id, h.name]));
      const shadowsOf = await shadows.activeForSessions(sessions.map((s) => s.id));
      return sessions.map((s) => ({
        ...broker.view(s),
        username: user.get(s.userId)?.username ?? null,
        displayName: user.get(s.userId)?.displayName ?? null,
        // Where the session runs, as staff read it: the pool's name, or the existing machine's.
        poolName: s.poolId ? (pool.get(s.poolId) ?? null) : s.machineId ? (machine.get(s.machineId) ?? null) : null,
        hostName: s.hostId ? (host.get(s.hostId) ?? null) : null,
        thumbnailUrl: `/api/v1/helpdesk/sessions/${s.id}/thumbnail`,
        shadows: (shadowsOf.get(s.id) ?? []).map(shadowView),
      }));
    },

    async requestShadow(requester: User, sessionId: string, mode: TicketMode, reason: string, ip: string | null): Promise<Shadow> {
      const s = await store.getSession(sessionId);
      if (!s) throw notFound('session');
      // A session on an existing machine has no pool: its shadows always need the person's consent
      // (machines have no "view without asking" policy). The helpdesk joins the owner's guacd
      // connection (/ws/rdp), so the person must have it open. docs/architecture.md, "Shadowing".
      if (s.machineId) return shadows.request(requester, s, MACHINE_SHADOW_POLICY, mode, reason, ip);
      if (!s.poolId) throw conflict('shadow_unsupported', 'This session has neither a pool nor a machine; nothing to shadow.');
      const pool = await store.getPool(s.poolId);
      if (!pool) throw notFound('pool');
      return shadows.request(requester, s, pool, mode, reason, ip);
    },

    /** A display ticket for the requester of an approved shadow, in the approved mode. */
    async shadowTicket(
      requester: User,
      shadowId: string,
      ip: string | null,
    ): Promise<{ ticket: string; expiresAt: number; mode: TicketMode; sessionId: string }> {
      const s = await shadows.get(requester, shadowId);
      if (s.requesterId !== requester.id) throw forbidden('Only the helpdesk user who asked may open this shadow.');
      if (s.state === 'pending') throw conflict('shadow_pending', 'The person has not answered yet.');
      if (s.state !== 'approved') throw conflict('shadow_not_approved', `This shadow request is ${s.state}.`);
      const t = await tickets.issue(requester.id, s.sessionId, s.mode, { shadowId: s.id });
      await broker.auditTicket(requester, s.sessionId, s.mode, ip, s.id);
      return { ...t, mode: s.mode, sessionId: s.sessionId };
    },
  };
}

export type Helpdesk = ReturnType<typeof createHelpdesk>;
