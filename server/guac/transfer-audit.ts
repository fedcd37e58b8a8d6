// The audit entry of a file moved through guacd (RDP drive, SSH SFTP): file.upload / file.download
// under the session owner's name, as the gateway's own file API records it (server/files/).
import type { Audit } from '../audit.ts';
import type { Logger } from '../log.ts';
import type { Session, Store } from '../store/types.ts';
import type { Transfer } from './stream-policy.ts';

export function auditGuacTransfer(deps: { store: Store; audit: Audit; log: Logger }): (session: Session, t: Transfer) => void {
  return (session, t) =>
    void deps.store
      .getUser(session.userId)
      .catch((err: unknown) => {
        // The database unreachable (PostgreSQL): the entry still goes to the audit (which logs it) under the id.
        deps.log.warn({ err }, 'could not look up the owner for a file transfer audit entry');
        return null;
      })
      .then((u) =>
        deps.audit.record({
          actor: u?.username ?? session.userId,
          action: `file.${t.direction}`,
          target: session.id,
          result: t.result,
          ip: null,
          details: { name: t.name, size: t.bytes, ...(t.sha256 ? { sha256: t.sha256 } : {}), ...(t.reason ? { reason: t.reason } : {}) },
        }),
      );
}
