// The frame every admin and account list shares: a scrolling wrapper, one header row of column
// titles and, when rows have buttons, a last column for them titled for screen readers only. Each
// table still writes its own rows, so their test ids, classes and cells stay where they are read.
import type { ComponentChildren } from 'preact';

/** A column title, or a title with the class its header cell needs (`num`, `nowrap`). */
export type Column = string | { label: string; class?: string };

interface Props {
  columns: Column[];
  /** Adds the trailing column that each row fills with a RowActions cell. */
  actions?: boolean;
  dense?: boolean;
  testId?: string;
  /** The rows: `<tr>` elements. */
  children: ComponentChildren;
}

export function DataTable({ columns, actions = false, dense = false, testId, children }: Props) {
  return (
    <div class="table-wrap">
      <table class={dense ? 'table table--dense' : 'table'} data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => {
              const { label, class: cls } = typeof c === 'string' ? { label: c, class: undefined } : c;
              return (
                <th key={label} scope="col" class={cls}>
                  {label}
                </th>
              );
            })}
            {actions && (
              <th scope="col" class="table__actions-col">
                <span class="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** A row's last cell: its buttons, aligned under the actions column. */
export function RowActions({ children }: { children: ComponentChildren }) {
  return <td class="table__actions">{children}</td>;
}
