// A labelled checkbox card with an optional explanation and the same error line as TextField.
import { FieldNote } from './FieldNote.tsx';

interface Props {
  id: string;
  name: string;
  label: string;
  checked: boolean;
  onValue(checked: boolean): void;
  help?: string;
  error?: string;
  class?: string;
}

export function CheckField({ id, name, label, checked, onValue, help, error, class: extra }: Props) {
  return (
    <div class={extra ? `field ${extra}` : 'field'}>
      <label class={checked ? 'check is-checked' : 'check'}>
        <input
          id={id}
          type="checkbox"
          name={name}
          checked={checked}
          onChange={(ev) => onValue(ev.currentTarget.checked)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
        />
        <span>
          <span class="check__label">{label}</span>
          {help && <span class="check__help">{help}</span>}
        </span>
      </label>
      <FieldNote id={id} error={error} />
    </div>
  );
}
