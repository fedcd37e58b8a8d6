// A message box: errors say what happened and what to do; `action` adds a button such as "Try again";
// `onDismiss` adds a close button.
import type { ComponentChildren } from 'preact';

interface Props {
  tone?: 'error' | 'info' | 'success';
  title?: string;
  children?: ComponentChildren;
  action?: ComponentChildren;
  onDismiss?(): void;
}

export function Alert({ tone = 'error', title, children, action, onDismiss }: Props) {
  return (
    <div class={`alert alert--${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <span class="alert__icon" aria-hidden="true">
        {tone === 'error' ? '!' : tone === 'success' ? '✓' : 'i'}
      </span>
      <div class="alert__body">
        {title && <strong class="alert__title">{title}</strong>}
        {children && <div>{children}</div>}
      </div>
      {action && <div class="alert__action">{action}</div>}
      {onDismiss && (
        <button type="button" class="icon-btn alert__dismiss" aria-label="Dismiss" onClick={onDismiss}>
          <span aria-hidden="true">×</span>
        </button>
      )}
    </div>
  );
}
