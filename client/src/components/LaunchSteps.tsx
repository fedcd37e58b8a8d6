// The launch checklist: queued → placing → creating → starting → ready, with the current step's
// message from the gateway and a failed mark when the launch stops.
import { LAUNCH_STEPS, type LaunchStep } from '../api/sessionEvents.ts';
import { Spinner } from './Spinner.tsx';

const LABELS: Record<LaunchStep, string> = {
  queued: 'Queued',
  placing: 'Finding a host',
  creating: 'Creating your desktop',
  starting: 'Starting the desktop',
  ready: 'Ready',
};

interface Props {
  current: LaunchStep | undefined;
  message: string | undefined;
  failed: boolean;
}

type Mark = 'done' | 'active' | 'failed' | 'pending';

function markFor(index: number, currentIndex: number, failed: boolean): Mark {
  if (index < currentIndex) return 'done';
  if (index > currentIndex) return 'pending';
  if (failed) return 'failed';
  return LAUNCH_STEPS[index] === 'ready' ? 'done' : 'active';
}

export function LaunchSteps({ current, message, failed }: Props) {
  const currentIndex = current ? LAUNCH_STEPS.indexOf(current) : 0;
  return (
    <ol class="steps" aria-label="Launch progress" data-testid="launch-steps">
      {LAUNCH_STEPS.map((step, i) => {
        const mark = markFor(i, currentIndex, failed);
        return (
          <li key={step} class={`step step--${mark}`} data-step={step} data-mark={mark} aria-current={mark === 'active' ? 'step' : undefined}>
            <span class="step__mark" aria-hidden="true">
              {mark === 'done' && '✓'}
              {mark === 'failed' && '✕'}
              {mark === 'active' && <Spinner size={16} label={LABELS[step]} />}
            </span>
            <span class="step__text">
              <span class="step__label">{LABELS[step]}</span>
              {(mark === 'active' || mark === 'failed') && message && <span class="step__message">{message}</span>}
            </span>
          </li>
        );
      })}
    </ol>
  );
}

export function stepFraction(current: LaunchStep | undefined): number {
  return current ? (LAUNCH_STEPS.indexOf(current) + 1) / LAUNCH_STEPS.length : 0.08;
}
