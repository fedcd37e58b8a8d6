// Hosts (enrolled agents), their state changes, and one-time enrollment tokens for new ones,
// decoded with the contract (contract/api/admin.ts); times become epoch milliseconds for the pages.
import { z } from 'zod/mini';
import { Enrollment as EnrollmentJson, HostListItem } from '../../../contract/api/admin.ts';
import { api } from './client.ts';

import type { HostAction } from '../../../contract/api/admin.ts';
export type { HostAction };
export type { HostState } from '../../../contract/ids.ts';

/** A host as the list answers it, with its times as epoch milliseconds (undefined: never). */
export type Host = Omit<HostListItem, 'lastHeartbeatAt' | 'createdAt'> & { lastHeartbeatAt?: number; createdAt: number };
export type Enrollment = { token: string; expiresAt: number };

const HostList = z.array(HostListItem);

export function listHosts(signal?: AbortSignal): Promise<Host[]> {
  return api('/api/v1/admin/hosts', {
    decode: (x) =>
      HostList.parse(x).map((h) => ({
        ...h,
        lastHeartbeatAt: h.lastHeartbeatAt === null ? undefined : Date.parse(h.lastHeartbeatAt),
        createdAt: Date.parse(h.createdAt),
      })),
    signal,
  });
}

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
      const e = EnrollmentJson.parse(x);
      const expiresAt = Date.parse(e.expiresAt);
      if (Number.isNaN(expiresAt)) throw new TypeError('expiresAt: not a time');
      return { token: e.token, expiresAt };
    },
  });
}
