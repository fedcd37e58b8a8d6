// A duration typed in friendly units: a number and a unit (minutes, hours…); the form converts to
// seconds. The number input carries the field's label; the unit picker is labelled "<label> unit".
import { DURATION_UNITS, type DurationInput, type DurationUnit } from '../modules/duration.ts';
import { FieldNote, fieldAria } from './FieldNote.tsx';

interface Props {
  id: string;
  name: string;
  label: string;
  value: DurationInput;
  onValue(value: DurationInput): void;
  hint?: string;
  error?: string;
}

export function DurationField({ id, name, label, value, onValue, hint, error }: Props) {
  return (
    <div class="field">
      <label class="field__label" for={id}>
        {label}
      </label>
      <div class="input-group">
        <input
          id={id}
          name={name}
          type="text"
          inputMode="decimal"
          class="input input-group__main"
          value={value.value}
          onInput={(ev) => onValue({ ...value, value: ev.currentTarget.value })}
          {...fieldAria(id, hint, error)}
        />
        <select
          class="input select input-group__unit"
          aria-label={`${label} unit`}
          value={value.unit}
          onChange={(ev) => onValue({ ...value, unit: ev.currentTarget.value as DurationUnit })}
        >
          {DURATION_UNITS.map((u) => (
            <option key={u.unit} value={u.unit}>
              {u.label}
            </option>
          ))}
        </select>
      </div>
      <FieldNote id={id} hint={hint} error={error} />
    </div>
  );
}
