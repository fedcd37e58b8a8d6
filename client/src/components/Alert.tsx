// A message box: errors say what happened and what to do; `action` adds a button such as "Try again".
import type { ComponentChildren } from 'preact';

interface Props {
  tone?: 'error' | 'info' | 'success';
  title?: string;
  children?: ComponentChildren;
  action?: ComponentChildren;
}

export function Alert({ tone = 'error', title, children, action }: Props) {
  return (
    <div class={`alert alert--${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <span class="alert__icon" aria-hidden="true">{tone === 'error' ? '!' : tone === 'success' ? '✓' : 'i'}</span>
      <div class="alert__body">
        {title && <strong class="alert__title">{title}</strong>}
        {children && <div>{children}</div>}
      </div>
      {action && <div class="alert__action">{action}</div>}
    </div>
  );
}
