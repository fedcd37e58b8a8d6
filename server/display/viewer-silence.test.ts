import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchSilence } from './viewer-silence.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('viewer silence watchdog', () => {
  it('fires once after the timeout without a message', () => {
    const onSilent = vi.fn();
    watchSilence({ timeoutMs: 15_000, onSilent });
    vi.advanceTimersByTime(14_999);
    expect(onSilent).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onSilent).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60_000);
    expect(onSilent).toHaveBeenCalledTimes(1);
  });

  it('a message restarts the wait: a viewer pinging every 500 ms is never silent', () => {
    const onSilent = vi.fn();
    const w = watchSilence({ timeoutMs: 15_000, onSilent });
    for (let i = 0; i < 200; i++) {
      vi.advanceTimersByTime(500);
      w.heard();
    }
    expect(onSilent).not.toHaveBeenCalled();
    vi.advanceTimersByTime(15_000);
    expect(onSilent).toHaveBeenCalledTimes(1);
  });

  it('stop() ends the watch', () => {
    const onSilent = vi.fn();
    const w = watchSilence({ timeoutMs: 1000, onSilent });
    w.stop();
    w.stop();
    vi.advanceTimersByTime(5000);
    expect(onSilent).not.toHaveBeenCalled();
  });
});
