// The hint and error lines under a form control, and the aria attributes that tie them to it.

/** "must be at least 1" → "Must be at least 1." */
function sentence(text: string): string {
  const t = text.trim();
  const s = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

export function fieldAria(id: string, hint?: string, error?: string): { 'aria-describedby'?: string; 'aria-invalid'?: true } {
  const ids = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return { 'aria-describedby': ids || undefined, 'aria-invalid': error ? true : undefined };
}

export function FieldNote({ id, hint, error }: { id: string; hint?: string; error?: string }) {
  return (
    <>
      {error && (
        <span id={`${id}-error`} class="field__error" data-testid={`${id}-error`}>
          {sentence(error)}
        </span>
      )}
      {hint && (
        <span id={`${id}-hint`} class="field__hint">
          {hint}
        </span>
      )}
    </>
  );
}
