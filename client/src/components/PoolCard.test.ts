// The My desktops tile of a pool that cannot be launched now: it shows why and offers no Launch;
// an available pool (and a running session in an unavailable one) keeps its buttons.
import type { VNode } from 'preact';
import { describe, expect, it } from 'vitest';
import type { Pool, Session } from '../api/desktops.ts';
import { Button } from './Button.tsx';
import { PoolCard } from './PoolCard.tsx';

const pool: Pool = {
  id: 'p_rdp',
  name: 'Windows desktop',
  description: 'RDP',
  protocol: 'rdp',
  driver: 'process',
  persistence: 'pooled',
  graceS: 600,
  idleTimeoutS: 3600,
  maxLifetimeS: 0,
};
const noop = () => undefined;

/** The tile's element tree (PoolCard has no hooks, so calling it renders one level). */
function render(p: Pool, session?: Session): VNode[] {
  const root = PoolCard({ pool: p, session, launching: false, now: 0, onLaunch: noop, onResume: noop, onEnd: noop });
  const all: VNode[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object' || !('props' in n)) return;
    all.push(n as VNode);
    walk((n as VNode<{ children?: unknown }>).props.children);
  };
  walk(root);
  return all;
}
const byTestId = (nodes: VNode[], id: string) => nodes.find((n) => (n.props as Record<string, unknown>)['data-testid'] === id);
const text = (n: VNode | undefined): string => {
  const c = (n?.props as { children?: unknown } | undefined)?.children;
  return Array.isArray(c) ? c.join('') : String(c ?? '');
};

describe('PoolCard', () => {
  it('an unavailable pool shows why and its Launch is disabled', () => {
    const why = 'RDP needs guacd, which is not installed on this gateway. Ask your admin to install it.';
    const nodes = render({ ...pool, unavailable: why });
    expect(text(byTestId(nodes, 'unavailable-p_rdp'))).toBe(why);
    const launch = byTestId(nodes, 'launch-p_rdp')!;
    expect(launch.type).toBe(Button);
    expect(launch.props).toMatchObject({ disabled: true, title: why });
  });

  it('an available pool has no note and an enabled Launch', () => {
    const nodes = render(pool);
    expect(byTestId(nodes, 'unavailable-p_rdp')).toBeUndefined();
    expect(byTestId(nodes, 'launch-p_rdp')!.props).toMatchObject({ disabled: false });
  });

  it('a running session in an unavailable pool can still be resumed and ended', () => {
    const session = { id: 's1', poolId: 'p_rdp', userId: 'u', state: 'ready', createdAt: 0, readyAt: 0, viewers: 0 } as unknown as Session;
    const nodes = render({ ...pool, unavailable: 'RDP needs guacd, which is not answering right now.' }, session);
    expect(byTestId(nodes, 'unavailable-p_rdp')).toBeUndefined();
    expect(byTestId(nodes, 'resume-p_rdp')!.props).toMatchObject({ disabled: false });
  });
});
