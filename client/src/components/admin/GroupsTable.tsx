// The admin's list of groups: name, description, how many users are in it; Delete.
import type { Group } from '../../api/adminGroups.ts';
import { Button } from '../Button.tsx';
import { DataTable, RowActions } from '../DataTable.tsx';

interface Props {
  groups: Group[];
  /** Group name → number of users in it. */
  members: Map<string, number>;
  onDelete(group: Group): void;
}

export function GroupsTable({ groups, members, onDelete }: Props) {
  return (
    <DataTable testId="groups-table" columns={['Group', { label: 'Members', class: 'num' }]} actions>
      {groups.map((g) => (
        <tr key={g.id} data-testid={`group-row-${g.name}`}>
          <td>
            <div class="cell-main">{g.name}</div>
            <div class="cell-sub">{g.description || 'No description.'}</div>
          </td>
          <td class="num">{members.get(g.name) ?? 0}</td>
          <RowActions>
            <Button size="sm" variant="subtle-danger" onClick={() => onDelete(g)} aria-label={`Delete group ${g.name}`}>
              Delete
            </Button>
          </RowActions>
        </tr>
      ))}
    </DataTable>
  );
}
