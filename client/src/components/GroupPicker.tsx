// Choose groups: a checkbox per group (an accessible multi-select), with what "none" means.
import type { Group } from '../api/adminGroups.ts';
import { FieldNote } from './FieldNote.tsx';

interface Props {
  id: string;
  legend: string;
  groups: readonly Group[] | undefined;
  selected: readonly string[];
  onChange(ids: string[]): void;
  /** What an empty selection means, e.g. "Nobody selected: everyone may use this pool." */
  emptyNote: string;
  error?: string;
}

export function GroupPicker({ id, legend, groups, selected, onChange, emptyNote, error }: Props) {
  const toggle = (gid: string, on: boolean): void => onChange(on ? [...selected, gid] : selected.filter((x) => x !== gid));
  return (
    <fieldset class="fieldset" id={id} data-testid={id} aria-describedby={`${id}-hint`}>
      <legend class="field__label">{legend}</legend>
      {groups === undefined && <span class="muted small">Loading groups…</span>}
      {groups?.length === 0 && <span class="muted small">No groups yet. Create them on the Users page.</span>}
      {groups && groups.length > 0 && (
        <div class="check-grid">
          {groups.map((g) => (
            <label key={g.id} class={selected.includes(g.id) ? 'check check--compact is-checked' : 'check check--compact'}>
              <input
                type="checkbox"
                name={`${id}-group`}
                value={g.id}
                checked={selected.includes(g.id)}
                onChange={(ev) => toggle(g.id, ev.currentTarget.checked)}
              />
              <span class="check__label">{g.name}</span>
            </label>
          ))}
        </div>
      )}
      <FieldNote id={id} error={error} hint={selected.length === 0 ? emptyNote : `${selected.length} selected`} />
    </fieldset>
  );
}
