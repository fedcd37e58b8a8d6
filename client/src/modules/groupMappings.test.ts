import { describe, expect, it } from 'vitest';
import type { GroupMapping } from '../api/adminIdentity.ts';
import { mappingsFromRows, newRow, rowsChanged, rowsFromMappings } from './groupMappings.ts';

const saved: GroupMapping[] = [
  { externalGroup: 'Desk Admins', groupId: null, group: null, role: 'admin' },
  { externalGroup: 'Engineering', groupId: 'g1', group: 'eng', role: null },
];

describe('group mappings editor', () => {
  it('sends each row as either a group or a role', () => {
    const r = mappingsFromRows(rowsFromMappings(saved));
    expect(r).toEqual({
      ok: true,
      mappings: [
        { externalGroup: 'Desk Admins', role: 'admin' },
        { externalGroup: 'Engineering', group: 'g1' },
      ],
    });
  });

  it('refuses a row without a name or a target, and a repeated row', () => {
    const rows = [
      { ...newRow(), externalGroup: ' ' },
      { ...newRow(), externalGroup: 'ops', grants: 'role' as const },
      ...rowsFromMappings(saved),
      ...rowsFromMappings(saved.slice(0, 1)),
    ];
    const r = mappingsFromRows(rows);
    expect(r.ok).toBe(false);
    expect(!r.ok && Object.keys(r.errors)).toEqual([
      `${rows[0]!.key}:externalGroup`,
      `${rows[0]!.key}:target`,
      `${rows[1]!.key}:target`,
      `${rows[4]!.key}:externalGroup`,
    ]);
  });

  it('makes the admin choose again when a mapped group was deleted', () => {
    const [row] = rowsFromMappings([{ externalGroup: 'old', groupId: 'gone', group: null, role: null }]);
    expect(row?.target).toBe('');
  });

  it('notices edits but not a different order', () => {
    const rows = rowsFromMappings(saved);
    expect(rowsChanged([...rows].reverse(), saved)).toBe(false);
    expect(rowsChanged(rows.slice(1), saved)).toBe(true);
    expect(rowsChanged([{ ...rows[0]!, target: 'helpdesk' }, rows[1]!], saved)).toBe(true);
  });
});
