// Existing machines (RDP, VNC and SSH servers an admin registers), decoded with the contract
// (contract/api/machines.ts): the admin registry, the person's own list, their saved credentials,
// and a launch that names a machine instead of a pool. Secrets go in, never come back out.
import { z } from 'zod/mini';
import {
  MachineView,
  UserMachine,
  type CredentialMode,
  type MachineFields,
  type MyCredentialsBody,
  type UpdateMachineBody,
} from '../../../contract/api/machines.ts';
import { LaunchBody } from '../../../contract/api/desktops.ts';
import type { MachineProtocol } from '../../../contract/ids.ts';
import { api } from './client.ts';
import { decodeWith } from './decode.ts';
import { decodeSession, type Session } from './desktops.ts';

export { CREDENTIAL_MODES, RDP_SECURITY } from '../../../contract/api/machines.ts';
export { MACHINE_PROTOCOLS } from '../../../contract/ids.ts';
export type { CredentialMode, MachineProtocol, MyCredentialsBody };
export type AdminMachine = MachineView;
export type MachineInput = MachineFields;
export type MachinePatch = UpdateMachineBody;
export type { UserMachine };

const admin = '/api/v1/admin/machines';
const adminOne = (id: string): string => `${admin}/${encodeURIComponent(id)}`;
const credentials = (id: string): string => `/api/v1/machines/${encodeURIComponent(id)}/credentials`;
const decodeMachine = (x: unknown): AdminMachine => decodeWith(MachineView, x);

export function listAdminMachines(signal?: AbortSignal): Promise<AdminMachine[]> {
  return api(admin, { decode: (x) => decodeWith(z.array(MachineView), x), signal });
}

export function createMachine(input: MachineInput): Promise<AdminMachine> {
  return api(admin, { method: 'POST', body: input, decode: decodeMachine });
}

/** Only the fields sent change; a secret left out is kept, a secret sent as null is cleared. */
export function updateMachine(id: string, patch: MachinePatch): Promise<AdminMachine> {
  return api(adminOne(id), { method: 'PATCH', body: patch, decode: decodeMachine });
}

export function deleteMachine(id: string): Promise<void> {
  return api(adminOne(id), { method: 'DELETE' });
}

/** The machines the signed-in person may connect to. */
export function listMachines(signal?: AbortSignal): Promise<UserMachine[]> {
  return api('/api/v1/machines', { decode: (x) => decodeWith(z.array(UserMachine), x), signal });
}

/** The person's own login for a per_user machine; stored by the gateway, never shown again. */
export function saveMyCredentials(id: string, body: MyCredentialsBody): Promise<void> {
  return api(credentials(id), { method: 'PUT', body });
}

export function forgetMyCredentials(id: string): Promise<void> {
  return api(credentials(id), { method: 'DELETE' });
}

/** The body of POST /sessions that connects to a machine (the contract's LaunchBody with machineId). */
export function machineLaunchBody(machineId: string): LaunchBody {
  const body = { machineId };
  if (!z.safeParse(LaunchBody, body).success) throw new RangeError('a machine id has 1 to 64 characters');
  return body;
}

/** Starts a session on the machine, or returns the live one the person already has there. */
export function connectMachine(machineId: string): Promise<Session> {
  return api('/api/v1/sessions', { method: 'POST', body: machineLaunchBody(machineId), decode: decodeSession });
}
