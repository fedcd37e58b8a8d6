// First start: the embedded default pool, "Linux desktop (local)", process driver over VNC,
// entitled to everyone.
import type { Clock } from './clock.ts';
import { POOL_DEFAULTS } from '../contract/api/admin.ts';
import type { Store } from './store/types.ts';
import { newId } from './util/random.ts';

export const DEFAULT_POOL_NAME = 'Linux desktop (local)';

export async function ensureDefaultPool(store: Store, clock: Clock, capacity: number): Promise<void> {
  if (await store.getPoolByName(DEFAULT_POOL_NAME)) return;
  await store.createPool({
    ...POOL_DEFAULTS,
    groups: [],
    id: newId('p'),
    name: DEFAULT_POOL_NAME,
    description: 'A Linux desktop (Openbox and a terminal) running on this machine.',
    driver: 'process',
    protocol: 'vnc',
    maxDesktops: capacity,
    createdAt: clock.now(),
  });
}
