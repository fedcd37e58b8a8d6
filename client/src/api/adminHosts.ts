// Hosts (enrolled agents), their state changes, and one-time enrollment tokens for new ones.
import { api } from './client.ts';
import { list, obj, optTime, str, strArray, type Json } from './decode.ts';

export type HostState = 'online' | 'unreachable' | 'draining' | 'cordoned' | 'offline';

export interface Host {
  id: string;
  name: string;
  /** As the gateway says; an unknown state is shown as-is rather than rejected. */
  state: HostState | (string & {});
  connected: boolean;
  drivers: string[];
  capacity: { desktops?: number; cpu?: number; memoryMb?: number };
  /** Desktops on the host now (creating, running or stopping): its load. */
  desktops?: number;
  /** Of those, warm spares waiting for a user. */
  spares?: number;
  labels: Record<string, string>;
  lastHeartbeatAt?: number;
  createdAt?: number;
}

export interface Enrollment {
  token: string;
  expiresAt: number;
}

const count = (o: Json, key: string): number | undefined => (typeof o[key] === 'number' ? (o[key] as number) : undefined);

function decodeHost(x: unknown): Host {
  const o = obj(x, 'host');
  const cap = typeof o.capacity === 'object' && o.capacity !== null ? (o.capacity as Json) : {};
  const labels = typeof o.labels === 'object' && o.labels !== null ? (o.labels as Json) : {};
  return {
    id: str(o, 'id'),
    name: str(o, 'name'),
    state: str(o, 'state'),
    connected: o.connected === true,
    drivers: strArray(o, 'drivers'),
    capacity: { desktops: count(cap, 'desktops'), cpu: count(cap, 'cpu'), memoryMb: count(cap, 'memoryMb') },
    desktops: count(o, 'desktops'),
    spares: count(o, 'spares'),
    labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])),
    lastHeartbeatAt: optTime(o, 'lastHeartbeatAt'),
    createdAt: optTime(o, 'createdAt'),
  };
}

export function listHosts(signal?: AbortSignal): Promise<Host[]> {
  return api('/api/v1/admin/hosts', { decode: (x) => list(x, 'hosts', decodeHost), signal });
}

export type HostAction = 'drain' | 'cordon' | 'uncordon';

export function changeHostState(id: string, action: HostAction): Promise<void> {
  return api(`/api/v1/admin/hosts/${encodeURIComponent(id)}/${action}`, { method: 'POST' });
}

export function deleteHost(id: string): Promise<void> {
  return api(`/api/v1/admin/hosts/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function createEnrollment(): Promise<Enrollment> {
  return api('/api/v1/admin/hosts/enrollments', {
    method: 'POST',
    decode: (x) => {
      const o = obj(x, 'enrollment');
      const expiresAt = optTime(o, 'expiresAt');
      if (expiresAt === undefined) throw new TypeError('expiresAt: missing');
      return { token: str(o, 'token'), expiresAt };
    },
  });
}
