// A labelled text input; the label is a real <label for>, so tests and screen readers find it by name.

interface Props {
  id: string;
  name: string;
  label: string;
  value: string;
  onValue(value: string): void;
  type?: 'text' | 'password';
  hint?: string;
  placeholder?: string;
  autocomplete?: string;
  autoCapitalize?: 'none' | 'off' | 'on';
  spellcheck?: boolean;
  required?: boolean;
  autofocus?: boolean;
}

export function TextField({ id, label, onValue, hint, type = 'text', ...input }: Props) {
  const common = {
    id,
    class: 'input',
    onInput: (ev: Event) => onValue((ev.currentTarget as HTMLInputElement).value),
    'aria-describedby': hint ? `${id}-hint` : undefined,
    ...input,
  };
  return (
    <div class="field">
      <label class="field__label" for={id}>
        {label}
      </label>
      {/* Preact types `type` as a discriminated union, so each variant is spelled out. */}
      {type === 'password' ? <input type="password" {...common} /> : <input type="text" {...common} />}
      {hint && (
        <span id={`${id}-hint`} class="field__hint">
          {hint}
        </span>
      )}
    </div>
  );
}
