import { describe, expect, it } from 'vitest';
import { launchStepItems, stepFraction, stepLabel } from './launchSteps.ts';

const ev = (step: string, message = '') => ({ step, message });
const steps = (items: { step: string }[]) => items.map((s) => s.step);
const marks = (items: { mark: string }[]) => items.map((s) => s.mark);

describe('launch steps', () => {
  it('lists the five known steps before anything happens, the first one active', () => {
    const items = launchStepItems([], { ready: false });
    expect(steps(items)).toEqual(['queued', 'placing', 'creating', 'starting', 'ready']);
    expect(marks(items)).toEqual(['active', 'pending', 'pending', 'pending', 'pending']);
  });

  it('marks steps before the current one done and shows only the current message', () => {
    const items = launchStepItems([ev('queued', 'Launch requested.'), ev('placing', 'Found a host.'), ev('creating', 'Starting on h1…')], {
      ready: false,
    });
    expect(marks(items)).toEqual(['done', 'done', 'active', 'pending', 'pending']);
    expect(items.map((s) => s.message)).toEqual([undefined, undefined, 'Starting on h1…', undefined, undefined]);
  });

  it('puts the optional known steps in their place once they happen', () => {
    const items = launchStepItems(
      [ev('queued'), ev('placing'), ev('pulling', 'Pulling image 40%'), ev('creating'), ev('starting'), ev('waiting_display')],
      { ready: false },
    );
    expect(steps(items)).toEqual(['queued', 'placing', 'pulling', 'creating', 'starting', 'waiting_display', 'ready']);
    expect(items.find((s) => s.step === 'waiting_display')?.mark).toBe('active');
    expect(stepLabel('pulling')).toBe('Downloading the desktop image');
  });

  it('keeps an unknown step where it arrived, labelled from its name, with its message', () => {
    const items = launchStepItems([ev('queued'), ev('placing'), ev('warming_gpu', 'Allocating a GPU'), ev('creating')], { ready: false });
    expect(steps(items)).toEqual(['queued', 'placing', 'warming_gpu', 'creating', 'starting', 'ready']);
    const unknown = items[2]!;
    expect(unknown).toMatchObject({ label: 'Warming gpu', mark: 'done', message: 'Allocating a GPU', known: false });
  });

  it('never goes backwards when an older event arrives late', () => {
    const items = launchStepItems([ev('queued'), ev('creating'), ev('placing')], { ready: false });
    expect(items.find((s) => s.mark === 'active')?.step).toBe('creating');
  });

  it('ends done at ready, or failed where it stopped', () => {
    const ready = launchStepItems([ev('queued')], { ready: true });
    expect(marks(ready)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(stepFraction(ready, true)).toBe(1);
    // Failed before any step was heard: nothing is claimed as the step it stopped at.
    const unheard = launchStepItems([], { ready: false, failedMessage: 'Stopped here' });
    expect(unheard.map((s) => s.mark)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
    const failed = launchStepItems([ev('queued'), ev('placing', 'Looking…')], { ready: false, failedMessage: 'Stopped here' });
    expect(failed[1]).toMatchObject({ mark: 'failed', message: 'Stopped here' });
    expect(stepFraction(failed, true)).toBe(2 / 5);
  });
});
