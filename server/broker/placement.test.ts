import { describe, expect, it } from 'vitest';
import type { Host } from '../store/types.ts';
import { chooseHost } from './placement.ts';

const host = (id: string, over: Partial<Host> = {}): Host => ({
  id,
  name: id,
  labels: {},
  drivers: ['process'],
  capacity: { desktops: 4, cpu: 2, memoryMb: 4096 },
  state: 'online',
  credentialHash: 'x',
  lastHeartbeatAt: 0,
  createdAt: 0,
  ...over,
});

describe('placement', () => {
  it('breadth picks the least loaded host, depth the most loaded that still has room', () => {
    const c = [
      { host: host('a'), desktops: 1 },
      { host: host('b'), desktops: 3 },
      { host: host('c'), desktops: 4 },
    ];
    expect(chooseHost(c, 'process', 'breadth')?.id).toBe('a');
    expect(chooseHost(c, 'process', 'depth')?.id).toBe('b');
  });
  it('skips hosts that are not online, lack the driver or are full', () => {
    const c = [
      { host: host('drain', { state: 'draining' }), desktops: 0 },
      { host: host('cord', { state: 'cordoned' }), desktops: 0 },
      { host: host('dock', { drivers: ['docker'] }), desktops: 0 },
      { host: host('full'), desktops: 4 },
    ];
    expect(chooseHost(c, 'process', 'breadth')).toBeNull();
    expect(chooseHost([...c, { host: host('ok'), desktops: 2 }], 'process', 'breadth')?.id).toBe('ok');
  });
});
