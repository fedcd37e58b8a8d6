// Snapshots of a person's own disk in a personal VM pool (contract/api/snapshots.ts): the gateway
// finds the host that keeps the disk (where their desktop last ran), asks its agent, answers what
// the agent reports, and audits every change with the person as actor.
import { diskSnapshotResultSchema, type SnapshotOp } from '../../contract/agent-v1-disks.ts';
import { MAX_SNAPSHOTS, type SnapshotList } from '../../contract/api/snapshots.ts';
import { conflict, DomainError, notFound, unavailable } from '../errors.ts';
import type { Pool, User } from '../store/types.ts';
import { entitled } from './entitlement.ts';
import { homeKeyOf, keepsVmDisk, lastHostOf } from './desktops.ts';
import type { BrokerCtx } from './transitions.ts';

/** An op waits on the agent behind a create of the person's desktop (up to its 120 s), then runs. */
const TIMEOUT_MS = 300_000;
/** The agent's refusals, as the person should read them. */
const REFUSALS: Record<string, (msg: string) => DomainError> = {
  no_disk: () => conflict('no_disk', 'You have no disk in this pool yet: launch its desktop once first.'),
  snapshot_exists: (m) => conflict('snapshot_exists', capital(m)),
  snapshot_limit: (m) => conflict('snapshot_limit', capital(m)),
  disk_in_use: () => conflict('session_live', 'Your desktop runs on this disk: end it first, then restore.'),
  snapshot_unknown: (m) => new DomainError('not_found', 'snapshot_unknown', capital(m)),
};
const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');

export function createSnapshots(ctx: BrokerCtx) {
  const { store } = ctx;

  async function poolOf(user: User, poolId: string): Promise<Pool> {
    const pool = await store.getPool(poolId);
    if (!pool || !entitled(user, pool)) throw notFound('pool');
    if (!keepsVmDisk(pool))
      throw conflict('not_snapshottable', `“${pool.name}” keeps no disk of yours: only personal VM pools have snapshots.`);
    return pool;
  }

  async function run(user: User, pool: Pool, op: SnapshotOp, name: string | undefined): Promise<SnapshotList> {
    const host = await lastHostOf(ctx, pool, user.id);
    if (!host) {
      if (op === 'list') return { exists: false, running: false, hostName: null, bytes: 0, snapshots: [], max: MAX_SNAPSHOTS };
      throw REFUSALS.no_disk!('');
    }
    if (!ctx.hosts.isConnected(host.id))
      throw unavailable(
        'home_host_unavailable',
        `Your disk is on the host “${host.name}”, which is not connected right now. Try again once it is back.`,
      );
    const raw = await ctx.hosts
      .request(
        host.id,
        { type: 'disk.snapshot', driver: 'qemu', homeKey: homeKeyOf(pool, user.id), op, ...(name !== undefined ? { name } : {}) },
        TIMEOUT_MS,
      )
      .catch((err: unknown) => {
        const e = err as { code?: unknown; message?: unknown };
        const msg = typeof e.message === 'string' ? e.message : 'the host failed';
        const known = typeof e.code === 'string' ? REFUSALS[e.code] : undefined;
        throw known ? known(msg) : unavailable('snapshot_failed', `The host “${host.name}” could not do it: ${msg}`);
      });
    const r = diskSnapshotResultSchema.safeParse(raw);
    if (!r.success) throw unavailable('snapshot_failed', `The host “${host.name}” answered in a form this gateway does not know.`);
    return {
      exists: r.data.exists,
      running: r.data.running,
      hostName: host.name,
      bytes: r.data.bytes,
      snapshots: r.data.snapshots.map((s) => ({ name: s.name, createdAt: new Date(s.createdAt).toISOString() })),
      max: MAX_SNAPSHOTS,
    };
  }

  return {
    async list(user: User, poolId: string): Promise<SnapshotList> {
      return run(user, await poolOf(user, poolId), 'list', undefined);
    },

    /** create, restore or delete; audited as disk.snapshot.<op> whatever the outcome. */
    async change(user: User, poolId: string, op: Exclude<SnapshotOp, 'list'>, name: string, ip: string | null): Promise<SnapshotList> {
      const pool = await poolOf(user, poolId);
      const audit = (result: 'ok' | 'failed', error?: string) =>
        ctx.audit.record({
          actor: user.username,
          action: `disk.snapshot.${op}`,
          target: pool.id,
          result,
          ip,
          details: { poolId: pool.id, name, ...(error ? { error } : {}) },
        });
      try {
        if (op === 'restore' && (await store.findLiveSession(user.id, pool.id)))
          throw conflict('session_live', `Your desktop in “${pool.name}” runs on this disk: end it first, then restore.`);
        const after = await run(user, pool, op, name);
        await audit('ok');
        return after;
      } catch (err) {
        await audit('failed', err instanceof DomainError ? err.code : 'error');
        throw err;
      }
    },
  };
}

export type Snapshots = ReturnType<typeof createSnapshots>;
