import { describe, expect, it } from 'vitest';
import { decodeProgress } from './sessionEvents.ts';

describe('progress events', () => {
  it('keeps steps this client does not know yet, with their message', () => {
    expect(decodeProgress({ step: 'pulling', message: 'Pulling image', at: 5 })).toEqual({
      step: 'pulling',
      message: 'Pulling image',
      at: 5,
    });
    expect(decodeProgress({ step: 'gpu_attach', message: 'Attaching a GPU', at: 5 })?.step).toBe('gpu_attach');
  });

  it('ignores an event without a usable step name', () => {
    expect(decodeProgress({ message: 'x' })).toBeUndefined();
    expect(decodeProgress({ step: '<img src=x>' })).toBeUndefined();
    expect(decodeProgress({ step: 'x'.repeat(100) })).toBeUndefined();
  });
});
