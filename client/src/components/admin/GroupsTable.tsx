// The admin's list of groups: name, description, how many users are in it; Delete.
import type { Group } from '../../api/adminGroups.ts';
import { Button } from '../Button.tsx';

interface Props {
  groups: Group[];
  /** Group name → number of users in it. */
  members: Map<string, number>;
  onDelete(group: Group): void;
}

export function GroupsTable({ groups, members, onDelete }: Props) {
  return (
    <div class="table-wrap">
      <table class="table" data-testid="groups-table">
        <thead>
          <tr>
            <th scope="col">Group</th>
            <th scope="col" class="num">Members</th>
            <th scope="col" class="table__actions-col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr key={g.id} data-testid={`group-row-${g.name}`}>
              <td>
                <div class="cell-main">{g.name}</div>
                <div class="cell-sub">{g.description || 'No description.'}</div>
              </td>
              <td class="num">{members.get(g.name) ?? 0}</td>
              <td class="table__actions">
                <Button size="sm" variant="subtle-danger" onClick={() => onDelete(g)} aria-label={`Delete group ${g.name}`}>
                  Delete
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
