// The view-only rules: a view viewer can ask for pictures but cannot type, point, paste, resize
// or power-cycle; a control viewer's input counts as activity.
import { describe, expect, it } from 'vitest';
import { ClientMessageParser } from './client-messages.ts';
import { msg } from './test-messages.ts';
import { judgeClientMessage, stripEncodings } from './policy.ts';

const one = (b: Buffer) => {
  const r = new ClientMessageParser().push(b);
  if (!r.ok || !r.messages[0]) throw new Error('unparsable fixture');
  return r.messages[0];
};

describe('judgeClientMessage', () => {
  const viewable = [msg.setPixelFormat(), msg.setEncodings([0]), msg.fbur(), msg.continuousUpdates(), msg.fence(Buffer.from('x'))];
  const input = [msg.key(1, 0x61), msg.pointer(0, 1, 1), msg.cutText(Buffer.from('x')), msg.extendedCutText(Buffer.alloc(4)), msg.qemuKey()];
  const otherControl = [msg.xvp(), msg.setDesktopSize(1), msg.qemuAudio(0)];

  it('a view viewer may shape its own picture', () => {
    for (const b of viewable) expect(judgeClientMessage(one(b), 'view')).toEqual({ forward: true, input: false });
  });

  it('a view viewer cannot type, point, paste, resize, power-cycle or use QEMU messages', () => {
    for (const b of [...input, ...otherControl]) expect(judgeClientMessage(one(b), 'view')).toEqual({ forward: false, input: false });
  });

  it('a control viewer forwards everything; key, pointer and clipboard count as input', () => {
    for (const b of input) expect(judgeClientMessage(one(b), 'control')).toEqual({ forward: true, input: true });
    for (const b of [...viewable, ...otherControl]) expect(judgeClientMessage(one(b), 'control')).toEqual({ forward: true, input: false });
  });
});

describe('stripEncodings', () => {
  it('removes ExtendedMouseButtons (-316) and keeps the rest in order', () => {
    const out = stripEncodings(msg.setEncodings([7, -316, 0, -239]));
    expect(out).toEqual(msg.setEncodings([7, 0, -239]));
    expect(one(out).bytes).toEqual(out); // still a well-formed message
  });

  it('returns the very same buffer when nothing is removed', () => {
    const b = msg.setEncodings([7, 0]);
    expect(stripEncodings(b)).toBe(b);
  });
});
