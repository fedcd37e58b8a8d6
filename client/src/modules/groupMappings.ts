// The group-mappings editor's model: rows the admin edits ↔ the API's mappings. Each row maps one
// external group name to either a Deskport group or a role.
import type { GroupMapping, MappingInput, Role } from '../api/adminIdentity.ts';

export interface MappingRow {
  /** A local key for rendering; never sent. */
  key: string;
  externalGroup: string;
  grants: 'group' | 'role';
  /** A group id when `grants` is "group", else a role; '' until chosen. */
  target: string;
}

let counter = 0;
const nextKey = (): string => `row-${++counter}`;

export function newRow(): MappingRow {
  return { key: nextKey(), externalGroup: '', grants: 'group', target: '' };
}

export function rowsFromMappings(mappings: readonly GroupMapping[]): MappingRow[] {
  return mappings.map((m) => ({
    key: nextKey(),
    externalGroup: m.externalGroup,
    grants: m.role ? 'role' : 'group',
    // A mapping whose group was deleted keeps no target: the admin must choose again.
    target: m.role ?? (m.group !== null ? (m.groupId ?? '') : ''),
  }));
}

/** Row key → problem, keyed further by the control: `${key}:externalGroup` or `${key}:target`. */
export type RowErrors = Record<string, string>;

export type MappingsResult = { ok: true; mappings: MappingInput[] } | { ok: false; errors: RowErrors };

export function mappingsFromRows(rows: readonly MappingRow[]): MappingsResult {
  const errors: RowErrors = {};
  const seen = new Map<string, string>();
  const mappings: MappingInput[] = [];
  for (const r of rows) {
    const name = r.externalGroup.trim();
    if (name === '') errors[`${r.key}:externalGroup`] = 'Type the group name as the provider sends it.';
    else if (name.length > 256) errors[`${r.key}:externalGroup`] = 'At most 256 characters.';
    if (r.target === '') errors[`${r.key}:target`] = r.grants === 'group' ? 'Choose a Deskport group.' : 'Choose a role.';
    // The same external group twice with the same grant is a typo, not a rule.
    const sig = `${name.toLowerCase()}|${r.grants}|${r.target}`;
    if (name !== '' && r.target !== '' && seen.has(sig)) errors[`${r.key}:externalGroup`] = 'This mapping is already in the list.';
    seen.set(sig, r.key);
    if (name !== '' && r.target !== '')
      mappings.push(r.grants === 'group' ? { externalGroup: name, group: r.target } : { externalGroup: name, role: r.target as Role });
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, mappings };
}

/** Whether the rows differ from the saved mappings (order ignored). */
export function rowsChanged(rows: readonly MappingRow[], saved: readonly GroupMapping[]): boolean {
  const sig = (g: string, grants: string, t: string): string => `${g.trim()}|${grants}|${t}`;
  const a = rows.map((r) => sig(r.externalGroup, r.grants, r.target)).sort();
  const b = saved.map((m) => (m.role ? sig(m.externalGroup, 'role', m.role) : sig(m.externalGroup, 'group', m.groupId ?? ''))).sort();
  return a.length !== b.length || a.some((x, i) => x !== b[i]);
}
