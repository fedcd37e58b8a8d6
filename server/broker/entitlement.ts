// Who may use a pool or machine, and who may learn that a session exists: the two rules every
// flow of the broker (launch, tickets, snapshots, access changes) asks.
import type { Pool, Session, User } from '../store/types.ts';

/** Whether the person may use a pool or an existing machine: its groups, none meaning everyone. */
export function entitled(user: User, pool: Pick<Pool, 'groups'>): boolean {
  return pool.groups.length === 0 || pool.groups.some((g) => user.groups.includes(g));
}

/** Who may learn that a session exists: its owner, and helpdesk/admin staff (who list all sessions). */
export function maySee(user: User, s: Session): boolean {
  return s.userId === user.id || user.roles.includes('admin') || user.roles.includes('helpdesk');
}
