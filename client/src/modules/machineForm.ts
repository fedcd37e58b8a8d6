// The machine form's model: what the admin types ↔ the API's machine fields (contract/api/machines.ts).
// Checks what the gateway checks before anything is sent, follows the protocol's default port until
// the admin edits it, and builds create and patch bodies where a secret is sent only when the admin
// set it (a string) or cleared it (null); left alone it stays out of the body and is kept.
import { completePolicy, DEFAULT_SESSION_POLICY } from '../../../contract/api/policy.ts';
import { draftFromPolicy, policyFromDraft, samePolicy, type PolicyDraft } from './policyForm.ts';
import { CreateMachineBody, type CredentialMode, type MachineFields } from '../../../contract/api/machines.ts';
import type { MachineProtocol } from '../../../contract/ids.ts';
import type { AdminMachine, MachinePatch } from '../api/machines.ts';

export const DEFAULT_PORTS: Record<MachineProtocol, number> = { rdp: 3389, vnc: 5900, ssh: 22 };
export type RdpSecurity = NonNullable<MachineFields['security']>;

/** A write-only secret on the form: keep what is stored, set a new one, or clear it. */
export type SecretDraft = { action: 'keep' } | { action: 'set'; value: string } | { action: 'clear' };
export type SecretName = 'password' | 'privateKey';

export interface MachineDraft {
  name: string;
  description: string;
  protocol: MachineProtocol;
  address: string;
  port: string;
  /** The admin typed a port: changing the protocol no longer replaces it. */
  portEdited: boolean;
  reach: 'host' | 'label';
  hostId: string;
  hostLabel: string;
  security: RdpSecurity;
  ignoreCert: boolean;
  domain: string;
  credentialMode: CredentialMode;
  username: string;
  password: SecretDraft;
  privateKey: SecretDraft;
  groups: string[];
  policy: PolicyDraft;
}

const KEEP: SecretDraft = { action: 'keep' };

/**
 * A new machine that gives SSH access to a host that runs desktops: its own agent dials the host's
 * sshd on loopback, so nothing but the agent's connection is needed. The admin still picks the
 * credentials and who may use it.
 */
export function sshAccessDraft(host: { id: string; name: string }): MachineDraft {
  return {
    ...draftFromMachine(),
    name: `${host.name} (SSH)`.slice(0, 128),
    description: `A terminal on the host ${host.name}.`,
    protocol: 'ssh',
    address: '127.0.0.1',
    port: String(DEFAULT_PORTS.ssh),
    reach: 'host',
    hostId: host.id,
    credentialMode: 'per_user',
  };
}

export function draftFromMachine(m?: AdminMachine): MachineDraft {
  if (!m) {
    return {
      name: '',
      description: '',
      protocol: 'rdp',
      address: '',
      port: String(DEFAULT_PORTS.rdp),
      portEdited: false,
      reach: 'host',
      hostId: '',
      hostLabel: '',
      security: 'any',
      ignoreCert: false,
      domain: '',
      credentialMode: 'per_user',
      username: '',
      password: KEEP,
      privateKey: KEEP,
      groups: [],
      policy: draftFromPolicy(DEFAULT_SESSION_POLICY),
    };
  }
  return {
    name: m.name,
    description: m.description,
    protocol: m.protocol,
    address: m.address,
    port: String(m.port),
    portEdited: m.port !== DEFAULT_PORTS[m.protocol],
    reach: m.hostLabel !== null && m.hostId === null ? 'label' : 'host',
    hostId: m.hostId ?? '',
    hostLabel: m.hostLabel ?? '',
    security: m.security,
    ignoreCert: m.ignoreCert,
    domain: m.domain,
    credentialMode: m.credentialMode,
    username: m.username,
    password: KEEP,
    privateKey: KEEP,
    groups: [...m.groups],
    policy: draftFromPolicy(m.policy),
  };
}

/** A new protocol; the port follows it unless the admin typed one. */
export function withProtocol(d: MachineDraft, protocol: MachineProtocol): MachineDraft {
  return { ...d, protocol, port: d.portEdited ? d.port : String(DEFAULT_PORTS[protocol]) };
}

/** The admin typed a port; emptying the field hands it back to the protocol's default. */
export function withPort(d: MachineDraft, port: string): MachineDraft {
  return { ...d, port, portEdited: port.trim() !== '' };
}

/** Which secrets the form offers for this protocol and mode (a key only for SSH). */
export function secretsFor(protocol: MachineProtocol, mode: CredentialMode): SecretName[] {
  if (mode !== 'shared') return [];
  return protocol === 'ssh' ? ['password', 'privateKey'] : ['password'];
}

/** A stored secret is only kept while address, port and protocol stay the same (the gateway drops it otherwise). */
export function targetMoved(d: MachineDraft, before?: AdminMachine): boolean {
  return (
    before !== undefined && (d.address.trim() !== before.address || d.port.trim() !== String(before.port) || d.protocol !== before.protocol)
  );
}

/** Whether the machine will have this secret after saving. */
export function secretAfterSave(d: MachineDraft, name: SecretName, before?: AdminMachine): boolean {
  const s = d[name];
  if (s.action === 'set') return s.value !== '';
  if (s.action === 'clear' || !before || targetMoved(d, before)) return false;
  return name === 'password' ? before.passwordSet : before.privateKeySet;
}

export type BuildResult<T> = { ok: true; body: T } | { ok: false; errors: Record<string, string> };

function checkDraft(d: MachineDraft, before: AdminMachine | undefined, errors: Record<string, string>): void {
  const port = d.port.trim();
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) errors.port = 'must be a whole number from 1 to 65535';
  if (d.reach === 'host' && d.hostId === '') errors.hostId = 'choose the host whose agent can reach this machine';
  if (d.reach === 'label' && d.hostLabel.trim() === '') errors.hostLabel = 'enter a host label, e.g. site=berlin';
  const offered = secretsFor(d.protocol, d.credentialMode);
  if (offered.includes('privateKey') && d.privateKey.action === 'set') {
    const key = d.privateKey.value.trim();
    if (/^(ssh-|ecdsa-)/.test(key)) errors.privateKey = 'this is a public key; paste the private key (it starts with -----BEGIN)';
    else if (key !== '' && !/^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) errors.privateKey = 'must be an OpenSSH or PEM private key';
  }
  if (d.credentialMode !== 'shared') return;
  if (d.protocol !== 'vnc' && d.username.trim() === '') errors.username = 'enter the account Deskport signs in with';
  if (!offered.some((s) => secretAfterSave(d, s, before))) {
    const what = d.protocol === 'ssh' ? 'a password or a private key' : 'a password';
    const moved = targetMoved(d, before) && (before?.passwordSet || before?.privateKeySet);
    errors[offered.includes('privateKey') && d.privateKey.action === 'set' ? 'privateKey' : 'password'] = moved
      ? `enter ${what} again: a stored secret is not kept when the address, port or protocol changes`
      : `enter ${what} for the shared account`;
  }
}

/** The fields the draft stands for, unchecked; RDP options only for RDP, secrets only when set. */
function fieldsOf(d: MachineDraft, errors: Record<string, string>): MachineFields {
  const body: MachineFields = {
    name: d.name.trim(),
    description: d.description.trim(),
    protocol: d.protocol,
    address: d.address.trim(),
    port: Number(d.port.trim()),
    hostId: d.reach === 'host' ? d.hostId : null,
    hostLabel: d.reach === 'label' ? d.hostLabel.trim() : null,
    credentialMode: d.credentialMode,
    groups: [...d.groups],
    policy: policyFromDraft(d.policy, errors),
  };
  if (d.protocol === 'rdp') Object.assign(body, { security: d.security, ignoreCert: d.ignoreCert, domain: d.domain.trim() });
  if (d.credentialMode === 'shared') body.username = d.username.trim();
  for (const name of secretsFor(d.protocol, d.credentialMode)) {
    const s = d[name];
    if (s.action === 'set' && s.value !== '') body[name] = s.value;
  }
  return body;
}

/** The draft's own checks, then the contract's ranges (the gateway checks the same schema). */
function check(d: MachineDraft, before: AdminMachine | undefined): { body: MachineFields; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  checkDraft(d, before, errors);
  const body = fieldsOf(d, errors);
  const checked = CreateMachineBody.safeParse(body);
  if (!checked.success)
    for (const issue of checked.error.issues) {
      const [top, sub] = issue.path.map(String);
      errors[top === 'policy' && sub ? `policy.${sub}` : (top ?? 'name')] ??= issue.message;
    }
  return { body, errors };
}

/** Every field of a new machine, after the same checks the gateway makes. */
export function createBody(d: MachineDraft): BuildResult<MachineFields> {
  const { body, errors } = check(d, undefined);
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, body };
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

/** Only what changed, so the audit log names the fields an edit touched; secrets by their action. */
export function patchBody(d: MachineDraft, before: AdminMachine): BuildResult<MachinePatch> {
  const { body: after, errors } = check(d, before);
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const patch: Record<string, unknown> = {};
  const plain = ['name', 'description', 'protocol', 'address', 'port', 'hostId', 'hostLabel', 'credentialMode', 'username'] as const;
  for (const key of plain) if (after[key] !== undefined && after[key] !== before[key]) patch[key] = after[key];
  if (d.protocol === 'rdp')
    for (const key of ['security', 'ignoreCert', 'domain'] as const) if (after[key] !== before[key]) patch[key] = after[key];
  if (!sameSet(after.groups ?? [], before.groups)) patch.groups = after.groups;
  const policy = completePolicy(after.policy);
  if (!samePolicy(policy, before.policy)) patch.policy = policy;
  const offered = secretsFor(d.protocol, d.credentialMode);
  for (const name of ['password', 'privateKey'] as const) {
    const s = d[name];
    const stored = name === 'password' ? before.passwordSet : before.privateKeySet;
    if (!offered.includes(name)) {
      // No longer used by this protocol or mode: do not keep a secret nobody needs.
      if (stored) patch[name] = null;
    } else if (s.action === 'set' && s.value !== '') patch[name] = s.value;
    else if (s.action === 'clear' && stored) patch[name] = null;
  }
  return { ok: true, body: patch as MachinePatch };
}
