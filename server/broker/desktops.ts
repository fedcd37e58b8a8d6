// Placing and starting desktops, shared by launches and warm spares: pick a host by the pool's
// strategy, record the desktop, ask the host's agent to create it, and on failure leave nothing
// running (the desktop is marked failed and destroyed; the error is rethrown).
import { createHash } from 'node:crypto';
import type { Desktop, Host, Pool } from '../store/types.ts';
import { unavailable } from '../errors.ts';
import { newId, vncSecret } from '../util/random.ts';
import { destroyDesktop, moveDesktop, type BrokerCtx } from './transitions.ts';
import { chooseHost } from './placement.ts';

export const CREATE_TIMEOUT_MS = 120_000;
const ACTIVE = ['creating', 'running', 'stopping'] as const;

/** An online, connected host with room, by the pool's placement; null when there is none. */
export async function pickHost(ctx: BrokerCtx, pool: Pool): Promise<Host | null> {
  const hosts = (await ctx.store.listHosts()).filter((h) => ctx.hosts.isConnected(h.id));
  const load = await ctx.store.countDesktopsByHost([...ACTIVE]);
  const candidates = hosts.map((host) => ({ host, desktops: load.get(host.id)?.desktops ?? 0 }));
  return chooseHost(candidates, pool.driver, pool.placement);
}

/** The host of the person's newest session in this personal pool that came up; null when none (or it was removed). */
export async function lastHostOf(ctx: BrokerCtx, pool: Pool, userId: string): Promise<Host | null> {
  if (pool.persistence !== 'personal') return null;
  const [last] = await ctx.store.listSessions({ userId, poolId: pool.id, cameUp: true, limit: 1 });
  return last?.hostId ? ctx.store.getHost(last.hostId) : null;
}

/** A pool whose people each keep a VM disk of their own (which they can snapshot). */
export const keepsVmDisk = (pool: Pool): boolean => pool.driver === 'qemu' && pool.persistence === 'personal';

/**
 * The key of a person's kept home in a personal pool. Process and docker homes are the person's own
 * across pools (homeKey = user id); a VM's disk belongs to one pool, because it sits on that pool's
 * base image, so qemu pools key it by person and pool.
 */
export function homeKeyOf(pool: Pool, userId: string): string {
  if (pool.driver !== 'qemu') return userId;
  const key = `${userId}_${pool.id}`;
  return key.length <= 64 ? key : `k_${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

/**
 * A personal pool keeps a person's home (a container's or process desktop's home directory, a VM's
 * disk) on the host their desktop ran on, so their next desktop must go there too. The host their
 * newest session in the pool that came up ran on: returned when it can take a desktop now, else an
 * `unavailable` that says what holds it up. Null when they have no such session yet, or that host was
 * removed (its homes went with it): then any host will do.
 */
export async function homeHost(ctx: BrokerCtx, pool: Pool, userId: string): Promise<Host | null> {
  const host = await lastHostOf(ctx, pool, userId);
  if (!host) return null;
  const where = `Your desktop in “${pool.name}” keeps your files on the host “${host.name}”`;
  if (!ctx.hosts.isConnected(host.id) || host.state === 'unreachable' || host.state === 'offline')
    throw unavailable('home_host_unavailable', `${where}, which is not connected right now. Try again once it is back, or ask your admin.`);
  if (host.state !== 'online')
    throw unavailable(
      'home_host_unavailable',
      `${where}, which your admin is taking out of service (${host.state}). Ask your admin when it will be back.`,
    );
  if (!host.drivers.includes(pool.driver))
    throw unavailable('home_host_unavailable', `${where}, which no longer runs ${pool.driver} desktops. Ask your admin.`);
  const full = async () => (await ctx.store.countDesktops({ hostId: host.id, state: [...ACTIVE] })) >= host.capacity.desktops;
  if (await full()) {
    // A warm spare (of any pool) gives way: a person's own desktop can only run here.
    const [spare] = await ctx.store.listDesktops({ hostId: host.id, state: ['running'], ownerless: true });
    if (spare) {
      ctx.log.info(
        { hostId: host.id, desktopId: spare.id, poolId: pool.id },
        'a warm spare gives way to a personal desktop on its home host',
      );
      await destroyDesktop(ctx, spare);
    }
    if (await full())
      throw unavailable('home_host_unavailable', `${where}, which has no room for another desktop right now. Try again in a minute.`);
  }
  return host;
}

export async function startDesktop(
  ctx: BrokerCtx,
  o: { pool: Pool; hostId: string; ownerId: string | null; onRecorded?: (d: Desktop) => Promise<void> },
): Promise<Desktop> {
  const now = ctx.clock.now();
  const { pool } = o;
  let desktop = await ctx.store.createDesktop({
    id: newId('d'),
    poolId: pool.id,
    hostId: o.hostId,
    state: 'creating',
    ownerId: o.ownerId,
    secret: vncSecret(),
    error: null,
    createdAt: now,
    updatedAt: now,
  });
  ctx.creating.add(desktop.id);
  try {
    await o.onRecorded?.(desktop);
    await ctx.hosts.request(
      o.hostId,
      {
        type: 'desktop.create',
        driver: pool.driver,
        spec: {
          desktopId: desktop.id,
          secret: desktop.secret,
          persistence: pool.persistence,
          ...(pool.persistence === 'personal' && o.ownerId ? { homeKey: homeKeyOf(pool, o.ownerId) } : {}),
          ...(pool.image ? { image: pool.image } : {}),
          ...(pool.cpu ? { cpu: pool.cpu } : {}),
          ...(pool.memoryMb ? { memoryMb: pool.memoryMb } : {}),
          ...(pool.protocol === 'rdp' ? { protocol: 'rdp' as const } : {}),
          ...(pool.network !== 'none' ? { network: pool.network } : {}),
        },
      },
      CREATE_TIMEOUT_MS,
    );
    const running = await moveDesktop(ctx, (await ctx.store.getDesktop(desktop.id)) ?? desktop, 'running');
    if (!running) throw new Error('the desktop was stopped while it started');
    return running;
  } catch (err) {
    const d = await ctx.store.getDesktop(desktop.id);
    if (d && d.state !== 'gone') {
      const failed = d.state === 'failed' ? d : await moveDesktop(ctx, d, 'failed', { error: (err as Error).message }).catch(() => null);
      await destroyDesktop(ctx, failed ?? d);
    }
    throw err;
  } finally {
    ctx.creating.delete(desktop.id);
  }
}
