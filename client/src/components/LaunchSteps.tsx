// The launch checklist: queued → placing → creating → starting → ready (plus any newer steps the
// gateway reports), with the current step's message and a failed mark when the launch stops.
import type { StepItem } from '../modules/launchSteps.ts';
import { Spinner } from './Spinner.tsx';

export function LaunchSteps({ items }: { items: readonly StepItem[] }) {
  return (
    <ol class="steps" aria-label="Launch progress" data-testid="launch-steps">
      {items.map(({ step, label, mark, message, known }) => (
        <li
          key={step}
          class={`step step--${mark}`}
          data-step={step}
          data-mark={mark}
          data-known={known ? undefined : 'false'}
          aria-current={mark === 'active' ? 'step' : undefined}
        >
          <span class="step__mark" aria-hidden="true">
            {mark === 'done' && '✓'}
            {mark === 'failed' && '✕'}
            {mark === 'active' && <Spinner size={16} label={label} />}
          </span>
          <span class="step__text">
            <span class="step__label">{label}</span>
            {message && <span class="step__message">{message}</span>}
          </span>
        </li>
      ))}
    </ol>
  );
}
