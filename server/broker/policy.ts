// The policy a session runs under (contract/api/policy.ts): its pool's or its machine's, read when
// asked so an admin's change applies to the next thing the session does (the next transfer, the
// next viewer, the next recording period). A pool or machine deleted under a live session gives the
// defaults' most restrictive reading: nothing beyond the screen.
import { completePolicy, type SessionPolicy } from '../../contract/api/policy.ts';
import type { Session, Store } from '../store/types.ts';

/** What a session whose pool or machine is gone may still do: show the screen, nothing else. */
export const ORPHAN_POLICY: SessionPolicy = completePolicy({
  fileUpload: false,
  fileDownload: false,
  clipboard: 'none',
  audio: false,
});

export async function policyOf(store: Store, session: Pick<Session, 'poolId' | 'machineId'>): Promise<SessionPolicy> {
  if (session.poolId) return (await store.getPool(session.poolId))?.policy ?? ORPHAN_POLICY;
  if (session.machineId) return (await store.getMachine(session.machineId))?.policy ?? ORPHAN_POLICY;
  return ORPHAN_POLICY;
}
