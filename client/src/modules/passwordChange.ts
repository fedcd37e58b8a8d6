// The change-password form's own checks, made before anything is sent: the new password is long
// enough and typed the same twice. Problems show as soon as they are certain, not on every keystroke.

/** The gateway's default; /me tells the configured one. */
export const MIN_PASSWORD_LENGTH = 12;

export interface PasswordDraft {
  current: string;
  next: string;
  repeat: string;
}

export type PasswordField = keyof PasswordDraft;

export interface ShowWhen {
  /** The person tried to submit: every problem shows, empty fields included. */
  submitted: boolean;
  /** Fields the person has left at least once. */
  left: ReadonlySet<PasswordField>;
}

/** Field → sentence fragment, e.g. "must be at least 12 characters". */
export function passwordProblems(
  d: PasswordDraft,
  when: ShowWhen,
  minLength = MIN_PASSWORD_LENGTH,
): Partial<Record<PasswordField, string>> {
  const out: Partial<Record<PasswordField, string>> = {};
  const { submitted, left } = when;
  if (submitted && !d.current) out.current = 'enter your current password';
  if (submitted && !d.next) out.next = 'enter a new password';
  else if (d.next && [...d.next].length < minLength && (submitted || left.has('next')))
    out.next = `must be at least ${minLength} characters`;
  if (submitted && !d.repeat) out.repeat = 'type the new password again';
  // A repeat as long as the new one (or left alone) that differs is certainly wrong.
  else if (d.repeat && d.repeat !== d.next && (submitted || left.has('repeat') || d.repeat.length >= d.next.length))
    out.repeat = 'does not match the new password';
  return out;
}
