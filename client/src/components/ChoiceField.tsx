// One-of-a-few choices as radio cards, each with a one-line explanation (persistence, placement).
import { FieldNote } from './FieldNote.tsx';

export interface Choice<T extends string> {
  value: T;
  label: string;
  help: string;
}

interface Props<T extends string> {
  id: string;
  name: string;
  legend: string;
  value: T;
  choices: readonly Choice<T>[];
  onValue(value: T): void;
  error?: string;
}

export function ChoiceField<T extends string>({ id, name, legend, value, choices, onValue, error }: Props<T>) {
  return (
    <fieldset class="fieldset" id={id} aria-describedby={error ? `${id}-error` : undefined}>
      <legend class="field__label">{legend}</legend>
      <div class="choice-row">
        {choices.map((c) => (
          <label key={c.value} class={value === c.value ? 'check is-checked' : 'check'}>
            <input type="radio" name={name} value={c.value} checked={value === c.value} onChange={() => onValue(c.value)} />
            <span>
              <span class="check__label">{c.label}</span>
              <span class="check__help">{c.help}</span>
            </span>
          </label>
        ))}
      </div>
      <FieldNote id={id} error={error} />
    </fieldset>
  );
}
