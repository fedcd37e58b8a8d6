// Append-only audit trail. Every privileged or security-relevant action calls record(); a failure
// to write is logged, never thrown into the caller's path (the action already happened).
import type { Logger } from './log.ts';
import type { NewAuditEvent, Store } from './store/types.ts';

export interface Audit {
  record(e: NewAuditEvent): Promise<void>;
}

export function createAudit(store: Store, log: Logger): Audit {
  return {
    async record(e) {
      try {
        await store.appendAudit(e);
        log.info({ audit: { action: e.action, actor: e.actor, target: e.target, result: e.result } }, 'audit');
      } catch (err) {
        log.error({ err, action: e.action }, 'audit write failed');
      }
    },
  };
}
