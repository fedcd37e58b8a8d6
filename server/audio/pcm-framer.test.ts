import { describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES } from '../../contract/audio.ts';
import { PcmFramer } from './pcm-framer.ts';

describe('the PCM framer', () => {
  it('passes an aligned chunk through without a copy', () => {
    const chunk = Buffer.alloc(960, 1);
    const [out, ...rest] = new PcmFramer().push(chunk);
    expect(rest).toEqual([]);
    expect(out).toBe(chunk);
  });

  it('carries a split sample over to the next chunk', () => {
    const f = new PcmFramer();
    const pcm = Buffer.from([1, 2, 3, 4, 5, 6]);
    expect(f.push(pcm.subarray(0, 3)).map((b) => [...b])).toEqual([[1, 2]]);
    expect(f.push(pcm.subarray(3, 5)).map((b) => [...b])).toEqual([[3, 4]]);
    expect(f.push(Buffer.alloc(0))).toEqual([]);
    expect(f.push(pcm.subarray(5)).map((b) => [...b])).toEqual([[5, 6]]);
  });

  it('splits large chunks into frames of at most the cap, each of whole samples', () => {
    const big = Buffer.alloc(MAX_FRAME_BYTES * 2 + 7);
    const frames = new PcmFramer().push(big);
    expect(frames.map((b) => b.length)).toEqual([MAX_FRAME_BYTES, MAX_FRAME_BYTES, 6]);
  });

  it('refuses a cap that is not a multiple of the sample frame', () => {
    expect(() => new PcmFramer(4, 6)).toThrow(RangeError);
  });
});
