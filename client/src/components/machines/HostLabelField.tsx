// A host label (`key=value`, as the Hosts page shows them) with the labels enrolled hosts have as
// suggestions, and how many connected hosts carry the one typed.
import type { Host } from '../../api/adminHosts.ts';
import { FieldNote, fieldAria } from '../FieldNote.tsx';

interface Props {
  id: string;
  value: string;
  onValue(value: string): void;
  hosts: Host[] | undefined;
  error?: string;
}

/** Every `key=value` label of these hosts, once each, sorted. */
export function hostLabels(hosts: readonly Host[]): string[] {
  return [...new Set(hosts.flatMap((h) => Object.entries(h.labels).map(([k, v]) => `${k}=${v}`)))].sort();
}

export function HostLabelField({ id, value, onValue, hosts, error }: Props) {
  const labels = hostLabels(hosts ?? []);
  const typed = value.trim();
  const carrying = typed === '' ? [] : (hosts ?? []).filter((h) => hostLabels([h]).includes(typed));
  const hint =
    typed === ''
      ? labels.length > 0
        ? `Labels in use: ${labels.slice(0, 4).join(', ')}${labels.length > 4 ? ', …' : ''}`
        : 'A label set on the hosts, e.g. site=berlin.'
      : carrying.length === 0
        ? 'No enrolled host has this label yet.'
        : `${carrying.length} host${carrying.length === 1 ? '' : 's'}: ${carrying.map((h) => h.name).join(', ')}`;
  return (
    <div class="field">
      <label class="field__label" for={id}>
        Host label
      </label>
      <input
        id={id}
        name="hostLabel"
        class="input"
        value={value}
        onInput={(ev) => onValue(ev.currentTarget.value)}
        list={`${id}-options`}
        maxLength={64}
        autocomplete="off"
        spellcheck={false}
        placeholder="site=berlin"
        {...fieldAria(id, hint, error)}
      />
      <datalist id={`${id}-options`}>
        {labels.map((l) => (
          <option key={l} value={l} />
        ))}
      </datalist>
      <FieldNote id={id} hint={hint} error={error} />
    </div>
  );
}
