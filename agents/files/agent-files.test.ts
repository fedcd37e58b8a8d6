// A listing always fits in one control message: a folder of long names must not cost the agent its connection.
import { describe, expect, it } from 'vitest';
import { encode, MAX_CONTROL_MESSAGE_BYTES } from '../../contract/agent-v1.ts';
import { fitReply } from './agent-files.ts';

describe('file listing replies', () => {
  it('are cut to fit the control message cap, and say so', () => {
    const entries = Array.from({ length: 1000 }, (_, i) => ({
      name: `${'é'.repeat(120)}-${i}`,
      kind: 'file' as const,
      size: 1,
      modifiedAt: 1,
    }));
    const r = fitReply({ entries, truncated: false });
    expect(r.truncated).toBe(true);
    expect(r.entries.length).toBeGreaterThan(100);
    expect(Buffer.byteLength(encode({ re: 'r1', ok: true, result: r }))).toBeLessThan(MAX_CONTROL_MESSAGE_BYTES);
  });

  it('leave a small listing alone', () => {
    const small = { entries: [{ name: 'a', kind: 'dir' as const, size: 0, modifiedAt: 0 }], truncated: false };
    expect(fitReply(small)).toBe(small);
  });
});
