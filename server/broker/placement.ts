// Placement: which host gets a new desktop. Only online hosts with the pool's driver and free
// capacity qualify; `breadth` spreads (least loaded first), `depth` packs (most loaded first).
import type { Host, Placement } from '../store/types.ts';

export interface Candidate {
  host: Host;
  desktops: number; // desktops creating/running there now
}

export function chooseHost(candidates: Candidate[], driver: Host['drivers'][number], placement: Placement): Host | null {
  const fit = candidates.filter(
    (c) => c.host.state === 'online' && c.host.drivers.includes(driver) && c.desktops < c.host.capacity.desktops,
  );
  if (fit.length === 0) return null;
  const load = (c: Candidate) => c.desktops / Math.max(1, c.host.capacity.desktops);
  fit.sort((a, b) => (placement === 'breadth' ? load(a) - load(b) : load(b) - load(a)) || a.host.id.localeCompare(b.host.id));
  return fit[0]!.host;
}
