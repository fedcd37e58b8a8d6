// The audit entry of a file moved through guacd (RDP drive, SSH SFTP): file.upload / file.download
// under the session owner's name, as the gateway's own file API records it (server/files/).
import type { Audit } from '../audit.ts';
import type { Session, Store } from '../store/types.ts';
import type { Transfer } from './stream-policy.ts';

export function auditGuacTransfer(deps: { store: Store; audit: Audit }): (session: Session, t: Transfer) => void {
  return (session, t) =>
    void deps.store.getUser(session.userId).then((u) =>
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
