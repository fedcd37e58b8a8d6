// A write-only secret (password, private key): the gateway only says whether one is stored. Stored:
// "Change" opens an input, "Clear" marks it for removal on save; not stored: the input is there to set
// one. Nothing typed means nothing is sent, so the stored secret is kept.
import { useEffect, useRef } from 'preact/hooks';
import type { SecretDraft } from '../../modules/machineForm.ts';
import { Badge } from '../Badge.tsx';
import { Button } from '../Button.tsx';
import { FieldNote, fieldAria } from '../FieldNote.tsx';

interface Props {
  id: string;
  name: string;
  label: string;
  /** The gateway holds one now (`passwordSet`, `privateKeySet`). */
  stored: boolean;
  value: SecretDraft;
  onValue(value: SecretDraft): void;
  /** A private key: several lines, pasted. */
  multiline?: boolean;
  hint?: string;
  error?: string;
  class?: string;
}

export function SecretField({ id, name, label, stored, value, onValue, multiline = false, hint, error, class: extra }: Props) {
  const editing = value.action === 'set' || !stored;
  const text = value.action === 'set' ? value.value : '';
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const wasEditing = useRef(editing);
  useEffect(() => {
    // "Change" was pressed: the input replaces the button, so focus follows it.
    if (editing && !wasEditing.current) ref.current?.focus();
    wasEditing.current = editing;
  }, [editing]);
  const input = {
    ref,
    id,
    name,
    class: multiline ? 'input input--key' : 'input',
    value: text,
    onInput: (ev: Event) => onValue({ action: 'set', value: (ev.currentTarget as HTMLInputElement | HTMLTextAreaElement).value }),
    autocomplete: 'new-password',
    spellcheck: false,
    ...fieldAria(id, hint, error),
  };
  return (
    <div class={extra ? `field secret ${extra}` : 'field secret'} data-testid={`${id}-secret`} data-secret={value.action}>
      <label class="field__label" for={editing ? id : `${id}-change`}>
        {label}
      </label>
      {editing ? (
        <div class="secret__edit">
          {multiline ? (
            <textarea {...input} rows={4} placeholder="-----BEGIN OPENSSH PRIVATE KEY-----" />
          ) : (
            <input type="password" {...input} placeholder={stored ? 'New value' : 'Not set'} />
          )}
          {stored && (
            <Button size="sm" variant="ghost" onClick={() => onValue({ action: 'keep' })}>
              Keep the stored one
            </Button>
          )}
        </div>
      ) : (
        <div class="secret__state">
          {value.action === 'clear' ? (
            <>
              <Badge tone="amber">Cleared on save</Badge>
              <Button size="sm" variant="ghost" onClick={() => onValue({ action: 'keep' })}>
                Undo
              </Button>
            </>
          ) : (
            <>
              <Badge tone="green" dot>
                Set
              </Badge>
              <Button size="sm" id={`${id}-change`} onClick={() => onValue({ action: 'set', value: '' })} aria-label={`Change ${label}`}>
                Change
              </Button>
              <Button size="sm" variant="subtle-danger" onClick={() => onValue({ action: 'clear' })} aria-label={`Clear ${label}`}>
                Clear
              </Button>
            </>
          )}
        </div>
      )}
      <FieldNote id={id} hint={hint} error={error} />
    </div>
  );
}
