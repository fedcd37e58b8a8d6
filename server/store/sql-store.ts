// Every Store method but ping, close and signals, written once over `Sql` (sql.ts) for both databases:
// sqlite.ts and postgres.ts add the connection, the migrations and those three.
import type { Clock } from '../clock.ts';
import type { Sql } from './sql.ts';
import { sqlAudit } from './sql-audit.ts';
import { sqlDesktops } from './sql-desktops.ts';
import { sqlIdentity } from './sql-identity.ts';
import { sqlLeases } from './sql-leases.ts';
import { sqlMachines } from './sql-machines.ts';
import { sqlMfa } from './sql-mfa.ts';
import { sqlPendingSignIns } from './sql-pending-sign-ins.ts';
import { sqlPools } from './sql-pools.ts';
import { sqlRecordings } from './sql-recordings.ts';
import { sqlSessions } from './sql-sessions.ts';
import { sqlShadows } from './sql-shadows.ts';
import { sqlDownloadTickets } from './sql-download-tickets.ts';
import { sqlGateways } from './sql-gateways.ts';
import { sqlSignInSecrets } from './sql-sign-in-secrets.ts';
import { sqlThrottles } from './sql-throttles.ts';
import { sqlUsers } from './sql-users.ts';
import type { Store } from './types.ts';

export function sqlStore(q: Sql, clock: Clock): Omit<Store, 'ping' | 'close' | 'signals'> {
  return {
    ...sqlUsers(q, clock),
    ...sqlMfa(q),
    ...sqlIdentity(q),
    ...sqlPools(q),
    ...sqlDesktops(q),
    ...sqlSessions(q),
    ...sqlMachines(q),
    ...sqlSignInSecrets(q),
    ...sqlRecordings(q),
    ...sqlAudit(q, clock),
    ...sqlLeases(q),
    ...sqlThrottles(q),
    ...sqlPendingSignIns(q),
    ...sqlShadows(q),
    ...sqlDownloadTickets(q),
    ...sqlGateways(q),
  };
}
