// Admission control: the viewer cap and the event-loop delay threshold, measured on a real loop.
import { afterEach, describe, expect, it } from 'vitest';
import { createAdmission, type Admission } from './admission.ts';

let a: Admission | undefined;
afterEach(() => a?.stop());

const block = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('admission', () => {
  it('refuses a display once the configured number is open, and admits again below it', () => {
    let open = 2;
    a = createAdmission({ maxViewers: 3, maxLoopDelayMs: 0, openViewers: () => open });
    expect(a.refusal()).toBeNull();
    open = 3;
    expect(a.refusal()).toMatch(/limit of 3 open displays/);
    open = 2;
    expect(a.refusal()).toBeNull();
  });

  it('0 means no viewer limit', () => {
    a = createAdmission({ maxViewers: 0, maxLoopDelayMs: 0, openViewers: () => 1e6 });
    expect(a.refusal()).toBeNull();
  });

  it('refuses while the event loop was late by more than the threshold in the last window, then recovers', async () => {
    // Windows are ended by hand (windowMs is out of reach), so the test does not race the timer.
    a = createAdmission({ maxViewers: 0, maxLoopDelayMs: 150, openViewers: () => 0, windowMs: 3_600_000 });
    await tick(100);
    a.rollWindow();
    expect(a.refusal()).toBeNull();
    await tick(50); // the histogram's first tick after a reset only sets its baseline
    block(400); // the loop is 400 ms late for the histogram's 20 ms timer
    await tick(50); // let that late timer fire and be recorded
    a.rollWindow();
    expect(a.loopDelayP99Ms()).toBeGreaterThan(150);
    expect(a.refusal()).toMatch(/overloaded/);
    await tick(300);
    a.rollWindow();
    expect(a.loopDelayP99Ms()).toBeLessThan(150);
    expect(a.refusal()).toBeNull();
  });
});
