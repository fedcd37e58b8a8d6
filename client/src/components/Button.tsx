// The app's button: a native <button> with a visual variant and a busy state (spinner + disabled).
import type { ButtonHTMLAttributes, ComponentChildren } from 'preact';
import { Spinner } from './Spinner.tsx';

export type ButtonVariant = 'primary' | 'secondary' | 'danger' | 'ghost' | 'subtle-danger' | 'on-dark';

interface Props extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'size'> {
  variant?: ButtonVariant;
  size?: 'sm' | 'md' | 'lg';
  busy?: boolean;
  children?: ComponentChildren;
}

export function Button({ variant = 'secondary', size = 'md', busy = false, disabled, children, class: extra, type, ...rest }: Props) {
  const cls = `btn btn--${variant} btn--${size}${busy ? ' is-busy' : ''}${extra ? ` ${String(extra)}` : ''}`;
  return (
    <button type={type ?? 'button'} class={cls} disabled={Boolean(disabled) || busy} aria-busy={busy || undefined} {...rest}>
      {busy && <Spinner size={14} label="Working" light={variant === 'primary' || variant === 'danger'} />}
      {children}
    </button>
  );
}
