// Role implication, the one rule every permission check uses: admin ⊇ helpdesk ⊇ user.
import type { Role, User } from '../store/types.ts';

const IMPLIES: Record<Role, readonly Role[]> = { admin: ['admin', 'helpdesk', 'user'], helpdesk: ['helpdesk', 'user'], user: ['user'] };

export function hasRole(user: User, role: Role): boolean {
  return user.roles.some((r) => IMPLIES[r]?.includes(role));
}
