// The pool form's model: text the admin types ↔ the API's pool fields. Checks the numbers it
// builds and the contract's ranges (the gateway checks the same schema, contract/api/admin.ts);
// the gateway's 400 details land on the same field names used here.
import { NETWORK_DRIVERS, PoolFields, POOL_DEFAULTS } from '../../../contract/api/admin.ts';
import type { AdminPool, Driver, Persistence, Placement, PoolInput, PoolNetwork, Protocol } from '../api/adminPools.ts';
import { draftFromPolicy, policyFromDraft, samePolicy, type PolicyDraft } from './policyForm.ts';
import { splitDuration, toSeconds, type DurationInput } from './duration.ts';

export interface PoolDraft {
  name: string;
  description: string;
  driver: Driver;
  protocol: Protocol;
  image: string;
  cpu: string;
  memoryMb: string;
  minWarm: string;
  maxDesktops: string;
  maxPerUser: string;
  idleTimeoutS: DurationInput;
  graceS: DurationInput;
  maxLifetimeS: DurationInput;
  persistence: Persistence;
  placement: Placement;
  network: PoolNetwork;
  groups: string[];
  shadowWithoutConsent: boolean;
  policy: PolicyDraft;
}

/** A new pool: the gateway's defaults (contract POOL_DEFAULTS). */
const NEW_POOL: PoolInput = { name: '', driver: 'docker', protocol: 'vnc', ...POOL_DEFAULTS, groups: [] };

/** Drivers that start desktops from an image or disk template. */
export const usesImage = (driver: Driver): boolean => driver === 'docker' || driver === 'qemu';
/** Drivers that can give desktops a network of their own (contract NETWORK_DRIVERS). */
export const hasNetworkChoice = (driver: Driver): boolean => NETWORK_DRIVERS.restricted.includes(driver);

export function draftFromPool(pool?: PoolInput): PoolDraft {
  const p = pool ?? NEW_POOL;
  const text = (n: number | null): string => (n === null ? '' : String(n));
  return {
    name: p.name,
    description: p.description,
    driver: p.driver,
    protocol: p.protocol,
    image: p.image ?? '',
    cpu: text(p.cpu),
    memoryMb: text(p.memoryMb),
    minWarm: text(p.minWarm),
    maxDesktops: text(p.maxDesktops),
    maxPerUser: text(p.maxPerUser),
    idleTimeoutS: splitDuration(p.idleTimeoutS),
    graceS: splitDuration(p.graceS),
    maxLifetimeS: splitDuration(p.maxLifetimeS),
    persistence: p.persistence,
    placement: p.placement,
    network: p.network,
    groups: [...p.groups],
    shadowWithoutConsent: p.shadowWithoutConsent,
    policy: draftFromPolicy(p.policy),
  };
}

export type DraftResult = { ok: true; input: PoolInput } | { ok: false; errors: Record<string, string> };

export function inputFromDraft(d: PoolDraft): DraftResult {
  const errors: Record<string, string> = {};
  const whole = (field: keyof PoolDraft, text: string, optional = false): number | null => {
    const t = text.trim();
    if (t === '' && optional) return null;
    if (/^\d+$/.test(t)) return Number(t);
    errors[field] = optional ? 'must be a whole number, or empty' : 'must be a whole number';
    return 0;
  };
  const seconds = (field: 'idleTimeoutS' | 'graceS' | 'maxLifetimeS'): number => {
    const s = toSeconds(d[field]);
    if (s === undefined) errors[field] = 'must be a number (0 or more)';
    return s ?? 0;
  };
  const cpuText = d.cpu.trim().replace(',', '.');
  let cpu: number | null = null;
  if (cpuText !== '') {
    if (/^\d+(\.\d+)?$/.test(cpuText)) cpu = Number(cpuText);
    else errors.cpu = 'must be a number such as 2 or 0.5, or empty';
  }
  const input: PoolInput = {
    name: d.name.trim(),
    description: d.description.trim(),
    driver: d.driver,
    protocol: d.protocol,
    image: usesImage(d.driver) ? d.image.trim() || null : null,
    cpu,
    memoryMb: whole('memoryMb', d.memoryMb, true),
    minWarm: whole('minWarm', d.minWarm) ?? 0,
    maxDesktops: whole('maxDesktops', d.maxDesktops) ?? 0,
    maxPerUser: whole('maxPerUser', d.maxPerUser) ?? 0,
    idleTimeoutS: seconds('idleTimeoutS'),
    graceS: seconds('graceS'),
    maxLifetimeS: seconds('maxLifetimeS'),
    persistence: d.persistence,
    placement: d.placement,
    network: hasNetworkChoice(d.driver) ? d.network : 'none',
    groups: [...d.groups],
    shadowWithoutConsent: d.shadowWithoutConsent,
    policy: policyFromDraft(d.policy, errors),
  };
  // The contract's ranges, on fields whose text read as a number (or choice) above.
  const checked = PoolFields.safeParse(input);
  if (!checked.success)
    for (const issue of checked.error.issues) {
      const [top, sub] = issue.path.map(String);
      errors[top === 'policy' && sub ? `policy.${sub}` : (top ?? 'name')] ??= issue.message;
    }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, input };
}

/** Only what changed, so the audit log names the fields an edit touched. */
export function changedFields(before: AdminPool, after: PoolInput): Partial<PoolInput> {
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(after) as [keyof PoolInput, unknown][]) {
    const old = before[key];
    const same =
      key === 'policy'
        ? samePolicy(before.policy, after.policy)
        : Array.isArray(value) && Array.isArray(old)
          ? value.length === old.length && value.every((v) => old.includes(v))
          : value === old;
    if (!same) patch[key] = value;
  }
  return patch as Partial<PoolInput>;
}
