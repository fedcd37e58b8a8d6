// Entities and Store methods for existing machines (RDP, VNC and SSH servers an admin registers)
// and each person's own credentials for them. Secrets arrive sealed by the vault (server/vault.ts);
// the store never sees plaintext. `machineAad`/`credentialAad` name where a sealed value belongs,
// so the vault refuses one copied into another row.
import type { SessionPolicy } from '../../contract/api/policy.ts';
import type { Session } from './types.ts';

export type MachineProtocol = 'rdp' | 'vnc' | 'ssh';
export type CredentialMode = 'shared' | 'per_user' | 'passthrough' | 'none';
export type RdpSecurity = 'any' | 'nla' | 'tls' | 'rdp';
export type SecretField = 'password' | 'privateKey';

export interface Machine {
  id: string;
  name: string;
  description: string;
  protocol: MachineProtocol;
  /** Host name or IP as the agent sees it. */
  address: string;
  port: number;
  /** Exactly one of hostId and hostLabel: which agents may dial it. */
  hostId: string | null;
  /** "key=value" (hosts with that label value) or "key" (hosts with that label). */
  hostLabel: string | null;
  security: RdpSecurity;
  ignoreCert: boolean;
  domain: string;
  credentialMode: CredentialMode;
  username: string;
  passwordSealed: string | null;
  privateKeySealed: string | null;
  groups: string[];
  /** Recording, files, clipboard and sound (contract/api/policy.ts). */
  policy: SessionPolicy;
  createdAt: number;
  updatedAt: number;
}

/** A person's own login for a per_user machine. */
export interface MachineCredential {
  machineId: string;
  userId: string;
  username: string;
  passwordSealed: string | null;
  privateKeySealed: string | null;
  updatedAt: number;
}

export const machineAad = (machineId: string, field: SecretField) => `machine:${machineId}:${field}`;
export const credentialAad = (machineId: string, userId: string, field: SecretField) => `credential:${machineId}:${userId}:${field}`;

export interface MachineStore {
  createMachine(m: Machine): Promise<Machine>;
  getMachine(id: string): Promise<Machine | null>;
  listMachines(): Promise<Machine[]>;
  updateMachine(id: string, patch: Partial<Omit<Machine, 'id' | 'createdAt'>>): Promise<Machine | null>;
  /** Deletes the machine and every person's credentials for it. */
  deleteMachine(id: string): Promise<boolean>;
  /** Inserts or replaces the person's credentials for the machine. */
  putMachineCredential(c: MachineCredential): Promise<void>;
  getMachineCredential(machineId: string, userId: string): Promise<MachineCredential | null>;
  deleteMachineCredential(machineId: string, userId: string): Promise<boolean>;
  /** Forgets every person's credentials for the machine (it moved elsewhere); returns how many. */
  deleteCredentialsOfMachine(machineId: string): Promise<number>;
  /** Ids of the machines this person saved credentials for. */
  listCredentialMachineIds(userId: string): Promise<string[]>;
  /** The person's live (starting|ready|ending) session on the machine, if any. */
  findLiveMachineSession(userId: string, machineId: string): Promise<Session | null>;
  /**
   * Key rotation: replaces every sealed value (machines, credentials, kept sign-in passwords) with reseal(value, aad), in
   * one transaction; a throw leaves every row as it was. Returns how many values were rewritten.
   */
  rewriteSecrets(reseal: (sealed: string, aad: string) => string): Promise<number>;
}

/**
 * Timers of machine sessions (a machine has no pool to carry them): the same defaults as a new
 * pool's (contract/api/admin.ts POOL_DEFAULTS). No input for an hour ends the session, a session
 * nobody watches ends after 10 minutes, and none lives longer than 12 hours.
 */
export const MACHINE_SESSION_LIMITS = { idleTimeoutS: 3600, graceS: 600, maxLifetimeS: 12 * 3600 } as const;
