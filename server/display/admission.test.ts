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
    a = createAdmission({ maxViewers: 0, maxLoopDelayMs: 50, openViewers: () => 0, windowMs: 300 });
    await tick(350);
    expect(a.refusal()).toBeNull();
    // Block the loop in slices so the delay histogram records several late turns.
    for (let i = 0; i < 4; i++) {
      block(120);
      await tick(1);
    }
    await tick(320 - 4);
    expect(a.loopDelayP99Ms()).toBeGreaterThan(50);
    expect(a.refusal()).toMatch(/overloaded/);
    await tick(700);
    expect(a.loopDelayP99Ms()).toBeLessThan(50);
    expect(a.refusal()).toBeNull();
  });
});
