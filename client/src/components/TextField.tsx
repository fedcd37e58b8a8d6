// A labelled text input; the label is a real <label for>, so tests and screen readers find it by
// name. A hint and an error (from the form or the gateway's 400 details) sit under it.
import { FieldNote, fieldAria } from './FieldNote.tsx';

interface Props {
  id: string;
  name: string;
  label: string;
  value: string;
  onValue(value: string): void;
  onBlur?(): void;
  type?: 'text' | 'password';
  hint?: string;
  error?: string;
  placeholder?: string;
  autocomplete?: string;
  autoCapitalize?: 'none' | 'off' | 'on';
  spellcheck?: boolean;
  required?: boolean;
  autofocus?: boolean;
  inputMode?: 'text' | 'numeric' | 'decimal';
  maxLength?: number;
  class?: string;
}

export function TextField({ id, label, onValue, hint, error, type = 'text', class: extra, ...input }: Props) {
  const common = {
    id,
    class: 'input',
    onInput: (ev: Event) => onValue((ev.currentTarget as HTMLInputElement).value),
    ...fieldAria(id, hint, error),
    ...input,
  };
  return (
    <div class={extra ? `field ${extra}` : 'field'}>
      <label class="field__label" for={id}>
        {label}
      </label>
      {/* Preact types `type` as a discriminated union, so each variant is spelled out. */}
      {type === 'password' ? <input type="password" {...common} /> : <input type="text" {...common} />}
      <FieldNote id={id} hint={hint} error={error} />
    </div>
  );
}
