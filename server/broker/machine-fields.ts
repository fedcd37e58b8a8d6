// An admin's machine body against the stored machine: the rules a schema alone cannot say (exactly
// one of hostId/hostLabel, fields that only one protocol or the shared mode takes, hosts and groups
// that exist) as field errors, and the merge of write-only secrets: a string sets, null clears, left
// out keeps, unless the machine moved to another address, port or protocol (then it is dropped).
import type { MachineFields } from '../../contract/api/machines.ts';
import { completePolicy } from '../../contract/api/policy.ts';
import { invalid } from '../errors.ts';
import { machineAad, type Machine, type SecretField } from '../store/machine-types.ts';
import type { Store } from '../store/types.ts';
import type { Vault } from '../vault.ts';

export type MachineInput = MachineFields;
type Body = Partial<MachineInput>;
type Problem = { field: string; problem: string };

const LABEL = /^[A-Za-z0-9._/-]{1,63}(=[A-Za-z0-9._/ -]{0,63})?$/;
const SECRETS: SecretField[] = ['password', 'privateKey'];
const sealedKey = { password: 'passwordSealed', privateKey: 'privateKeySealed' } as const;

/** What happened to each secret, for the audit row (never the secret). */
export type SecretChange = 'set' | 'cleared' | 'kept' | 'dropped' | 'none';

const given = (v: unknown) => v !== undefined && v !== null && v !== '';

/** Throws `invalid` with one entry per wrong field. `cur` is null on create. */
export async function checkFields(store: Store, b: Body, cur: Machine | null): Promise<void> {
  const problems: Problem[] = [];
  const protocol = b.protocol ?? cur?.protocol;
  const mode = b.credentialMode ?? cur?.credentialMode;
  const { hostId, hostLabel } = hostChoice(b, cur);
  if ((hostId === null) === (hostLabel === null))
    problems.push({ field: 'hostId', problem: 'give exactly one of hostId (one host) and hostLabel (every host with that label)' });
  if (hostId !== null && b.hostId !== undefined && !(await store.getHost(hostId)))
    problems.push({ field: 'hostId', problem: 'no such host' });
  if (hostLabel !== null && b.hostLabel !== undefined && !LABEL.test(hostLabel))
    problems.push({ field: 'hostLabel', problem: 'must be a label key or key=value (letters, digits, . _ / -)' });
  if (protocol !== 'rdp')
    for (const f of ['security', 'ignoreCert', 'domain'] as const)
      if (b[f] !== undefined && b[f] !== '' && !(f === 'ignoreCert' && b[f] === false))
        problems.push({ field: f, problem: 'is only for RDP machines' });
  if (protocol !== 'ssh' && given(b.privateKey)) problems.push({ field: 'privateKey', problem: 'is only for SSH machines' });
  if (mode !== 'shared')
    for (const f of ['username', 'password', 'privateKey'] as const)
      if (given(b[f]))
        problems.push({
          field: f,
          problem: `is only for credentialMode "shared"${mode === 'per_user' ? ' (with per_user each person saves their own)' : ''}`,
        });
  if (b.groups) {
    const known = new Set((await store.listGroups()).map((g) => g.id));
    b.groups.forEach((g, i) => known.has(g) || problems.push({ field: `groups.${i}`, problem: 'no such group' }));
  }
  if (problems.length) throw invalid(`Please check the machine: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}.`, problems);
}

/** Setting one of hostId/hostLabel (to a value) clears the other unless the body gives that one too. */
function hostChoice(b: Body, cur: Machine | null): { hostId: string | null; hostLabel: string | null } {
  let hostId = b.hostId !== undefined ? b.hostId : (cur?.hostId ?? null);
  let hostLabel = b.hostLabel !== undefined ? b.hostLabel : (cur?.hostLabel ?? null);
  if (b.hostId && b.hostLabel === undefined) hostLabel = null;
  if (b.hostLabel && b.hostId === undefined) hostId = null;
  return { hostId: hostId ?? null, hostLabel: hostLabel ?? null };
}

/** The machine after the body (validated by checkFields), with secrets sealed for their row. */
export function mergeMachine(
  cur: Machine | null,
  b: Body,
  id: string,
  now: number,
  vault: Vault,
): { machine: Machine; secrets: Record<SecretField, SecretChange>; moved: boolean } {
  const protocol = b.protocol ?? cur!.protocol;
  const mode = b.credentialMode ?? cur!.credentialMode;
  const address = b.address ?? cur!.address;
  const port = b.port ?? cur!.port;
  const moved = cur !== null && (address !== cur.address || port !== cur.port || protocol !== cur.protocol);
  const rdp = protocol === 'rdp';
  const secrets = {} as Record<SecretField, SecretChange>;
  const sealed = {} as Record<SecretField, string | null>;
  for (const f of SECRETS) {
    const v = b[f];
    const stored = cur?.[sealedKey[f]] ?? null;
    const allowed = mode === 'shared' && (f === 'password' || protocol === 'ssh');
    if (allowed && typeof v === 'string' && v !== '') [secrets[f], sealed[f]] = ['set', vault.seal(v, machineAad(id, f))];
    else if (v === null) [secrets[f], sealed[f]] = [stored ? 'cleared' : 'none', null];
    else if (stored && allowed && !moved) [secrets[f], sealed[f]] = ['kept', stored];
    else [secrets[f], sealed[f]] = [stored ? 'dropped' : 'none', null];
  }
  const machine: Machine = {
    id,
    name: b.name ?? cur!.name,
    description: b.description ?? cur?.description ?? '',
    protocol,
    address,
    port,
    ...hostChoice(b, cur),
    security: rdp ? (b.security ?? cur?.security ?? 'any') : 'any',
    ignoreCert: rdp ? (b.ignoreCert ?? cur?.ignoreCert ?? false) : false,
    domain: rdp ? (b.domain ?? cur?.domain ?? '') : '',
    credentialMode: mode,
    username: mode === 'shared' ? (b.username ?? cur?.username ?? '') : '',
    passwordSealed: sealed.password,
    privateKeySealed: sealed.privateKey,
    groups: b.groups ?? cur?.groups ?? [],
    policy: completePolicy({ ...cur?.policy, ...b.policy }),
    createdAt: cur?.createdAt ?? now,
    updatedAt: now,
  };
  return { machine, secrets, moved };
}
