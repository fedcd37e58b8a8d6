// Which agent hosts may dial an existing machine (its hostId, or every host carrying its hostLabel),
// which of them can right now, and why nobody can connect when none can (or when guacd is missing).
import type { GuacdStatus } from '../guacd/guacd.ts';
import type { Machine } from '../store/machine-types.ts';
import type { Host } from '../store/types.ts';

/** "key=value" matches hosts whose label key has that value; a bare "key" matches hosts that carry the label at all. */
export function carriesLabel(h: Pick<Host, 'labels'>, label: string): boolean {
  const i = label.indexOf('=');
  if (i < 0) return Object.hasOwn(h.labels, label);
  return h.labels[label.slice(0, i)] === label.slice(i + 1);
}

export const mayDial = (h: Host, m: Pick<Machine, 'hostId' | 'hostLabel'>): boolean =>
  m.hostId !== null ? h.id === m.hostId : m.hostLabel !== null && carriesLabel(h, m.hostLabel);

/** Hosts that may dial the machine and can now: connected, online (not cordoned or draining). */
export function dialers(hosts: Host[], m: Pick<Machine, 'hostId' | 'hostLabel'>, isConnected: (id: string) => boolean): Host[] {
  return hosts.filter((h) => mayDial(h, m) && h.state === 'online' && isConnected(h.id));
}

/** One of the hosts that can dial now (spread at random), or null. */
export function pickDialer(hosts: Host[], m: Pick<Machine, 'hostId' | 'hostLabel'>, isConnected: (id: string) => boolean): Host | null {
  const ok = dialers(hosts, m, isConnected);
  return ok.length ? ok[Math.floor(Math.random() * ok.length)]! : null;
}

/** Why nobody can connect to the machine right now, for people and admins; undefined when someone can. */
export function unavailableReason(
  m: Machine,
  hosts: Host[],
  isConnected: (id: string) => boolean,
  guacd: GuacdStatus | null,
): string | undefined {
  if (guacd && guacd.state !== 'up') return guacd.problem ?? `${m.protocol.toUpperCase()} needs guacd, which is not running.`;
  if (dialers(hosts, m, isConnected).length > 0) return undefined;
  if (m.hostId !== null) {
    const h = hosts.find((x) => x.id === m.hostId);
    if (!h) return 'The host that reaches this machine was removed; an admin must pick another.';
    return isConnected(h.id) && h.state !== 'online'
      ? `The host “${h.name}” that reaches this machine is ${h.state}.`
      : `The host “${h.name}” that reaches this machine is not connected.`;
  }
  const labelled = hosts.filter((h) => m.hostLabel !== null && carriesLabel(h, m.hostLabel));
  return labelled.length === 0
    ? `No host has the label “${m.hostLabel}” that reaches this machine.`
    : `None of the hosts labelled “${m.hostLabel}” that reach this machine is connected and online.`;
}
