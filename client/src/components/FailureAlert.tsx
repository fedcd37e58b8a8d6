// A form's "not saved" message: what went wrong, then the gateway's problems that no field on the
// form can show (the others appear under their fields).
import { Alert } from './Alert.tsx';

/** Why a submit failed: one sentence, and the problems left over for the list. */
export interface FormFailure {
  message: string;
  lines: string[];
}

export function FailureAlert({ title, failure }: { title?: string; failure: FormFailure }) {
  return (
    <Alert title={title}>
      {failure.message}
      {failure.lines.length > 0 && (
        <ul class="alert__list">
          {failure.lines.map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ul>
      )}
    </Alert>
  );
}
