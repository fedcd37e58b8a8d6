// The title row of a page: heading, one line of explanation, and optional actions on the right.
import type { ComponentChildren } from 'preact';

export function PageHeading({ title, subtitle, actions }: { title: string; subtitle?: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <div class="page-heading">
      <div>
        <h1>{title}</h1>
        {subtitle && <p class="page-heading__subtitle">{subtitle}</p>}
      </div>
      {actions && <div class="page-heading__actions">{actions}</div>}
    </div>
  );
}
