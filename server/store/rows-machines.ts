// Row <-> entity mapping of existing machines and people's saved logins for them, with the helpers
// of rows.ts.
import { columns, json, parse, policyFromText } from './rows.ts';
import type { Machine, MachineCredential } from './machine-types.ts';

export interface MachineRow {
  id: string;
  name: string;
  description: string;
  protocol: string;
  address: string;
  port: number;
  host_id: string | null;
  host_label: string | null;
  security: string;
  ignore_cert: number;
  domain: string;
  credential_mode: string;
  username: string;
  password_sealed: string | null;
  private_key_sealed: string | null;
  group_ids: string;
  policy: string;
  created_at: number;
  updated_at: number;
}
export const MACHINE_COLUMNS = columns<MachineRow>({
  id: 1,
  name: 1,
  description: 1,
  protocol: 1,
  address: 1,
  port: 1,
  host_id: 1,
  host_label: 1,
  security: 1,
  ignore_cert: 1,
  domain: 1,
  credential_mode: 1,
  username: 1,
  password_sealed: 1,
  private_key_sealed: 1,
  group_ids: 1,
  policy: 1,
  created_at: 1,
  updated_at: 1,
});
export const machineToRow = (m: Machine): MachineRow => ({
  id: m.id,
  name: m.name,
  description: m.description,
  protocol: m.protocol,
  address: m.address,
  port: m.port,
  host_id: m.hostId ?? null,
  host_label: m.hostLabel ?? null,
  security: m.security,
  ignore_cert: m.ignoreCert ? 1 : 0,
  domain: m.domain,
  credential_mode: m.credentialMode,
  username: m.username,
  password_sealed: m.passwordSealed ?? null,
  private_key_sealed: m.privateKeySealed ?? null,
  group_ids: json(m.groups),
  policy: json(m.policy),
  created_at: m.createdAt,
  updated_at: m.updatedAt,
});
export const machineFromRow = (r: MachineRow): Machine => ({
  id: r.id,
  name: r.name,
  description: r.description,
  protocol: r.protocol as Machine['protocol'],
  address: r.address,
  port: r.port,
  hostId: r.host_id,
  hostLabel: r.host_label,
  security: r.security as Machine['security'],
  ignoreCert: r.ignore_cert === 1,
  domain: r.domain,
  credentialMode: r.credential_mode as Machine['credentialMode'],
  username: r.username,
  passwordSealed: r.password_sealed,
  privateKeySealed: r.private_key_sealed,
  groups: parse(r.group_ids),
  policy: policyFromText(r.policy),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface MachineCredentialRow {
  machine_id: string;
  user_id: string;
  username: string;
  password_sealed: string | null;
  private_key_sealed: string | null;
  updated_at: number;
}
export const MACHINE_CREDENTIAL_COLUMNS = columns<MachineCredentialRow>({
  machine_id: 1,
  user_id: 1,
  username: 1,
  password_sealed: 1,
  private_key_sealed: 1,
  updated_at: 1,
});
export const machineCredentialToRow = (c: MachineCredential): MachineCredentialRow => ({
  machine_id: c.machineId,
  user_id: c.userId,
  username: c.username,
  password_sealed: c.passwordSealed ?? null,
  private_key_sealed: c.privateKeySealed ?? null,
  updated_at: c.updatedAt,
});
export const machineCredentialFromRow = (r: MachineCredentialRow): MachineCredential => ({
  machineId: r.machine_id,
  userId: r.user_id,
  username: r.username,
  passwordSealed: r.password_sealed,
  privateKeySealed: r.private_key_sealed,
  updatedAt: r.updated_at,
});
