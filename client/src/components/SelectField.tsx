// A labelled <select> with the same hint and error lines as TextField.
import { FieldNote, fieldAria } from './FieldNote.tsx';

export interface Option<T extends string> {
  value: T;
  label: string;
}

interface Props<T extends string> {
  id: string;
  name: string;
  label: string;
  value: T;
  options: readonly Option<T>[];
  onValue(value: T): void;
  hint?: string;
  error?: string;
}

export function SelectField<T extends string>({ id, name, label, value, options, onValue, hint, error }: Props<T>) {
  return (
    <div class="field">
      <label class="field__label" for={id}>
        {label}
      </label>
      <select
        id={id}
        name={name}
        class="input select"
        value={value}
        onChange={(ev) => onValue(ev.currentTarget.value as T)}
        {...fieldAria(id, hint, error)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldNote id={id} hint={hint} error={error} />
    </div>
  );
}
