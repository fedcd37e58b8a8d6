// The view-only rules: a view viewer can ask for pictures but cannot type, point, paste, resize
// or power-cycle; a control viewer's input counts as activity; and no viewer may send a desktop an
// extension message it did not announce (TigerVNC 1.12 crashes on an unannounced SetDesktopSize).
import { describe, expect, it } from 'vitest';
import { ClientMessageParser } from './client-messages.ts';
import { msg } from './test-messages.ts';
import { Encoding } from './constants.ts';
import { judgeClientMessage, keepEncodings, stripEncodings } from './policy.ts';

const one = (b: Buffer) => {
  const r = new ClientMessageParser().push(b);
  if (!r.ok || !r.messages[0]) throw new Error('unparsable fixture');
  return r.messages[0];
};

/** Everything noVNC announces: the extensions are allowed. */
const ALL = new Set<number>(Object.values(Encoding));
const NONE = new Set<number>();

describe('judgeClientMessage', () => {
  const viewable = [msg.setPixelFormat(), msg.setEncodings([0]), msg.fbur(), msg.continuousUpdates(), msg.fence(Buffer.from('x'))];
  const input = [
    msg.key(1, 0x61),
    msg.pointer(0, 1, 1),
    msg.cutText(Buffer.from('x')),
    msg.extendedCutText(Buffer.alloc(4)),
    msg.qemuKey(),
  ];
  const otherControl = [msg.xvp(), msg.setDesktopSize(1), msg.qemuAudio(0)];

  it('a view viewer may shape its own picture', () => {
    for (const b of viewable) expect(judgeClientMessage(one(b), 'view', ALL)).toEqual({ forward: true, input: false });
  });

  it('a view viewer cannot type, point, paste, resize, power-cycle or use QEMU messages', () => {
    for (const b of [...input, ...otherControl])
      expect(judgeClientMessage(one(b), 'view', ALL)).toEqual({ forward: false, drop: 'view_only', input: false });
  });

  it('a control viewer forwards everything; key, pointer and clipboard count as input', () => {
    for (const b of input) expect(judgeClientMessage(one(b), 'control', ALL)).toEqual({ forward: true, input: true });
    for (const b of [...viewable, ...otherControl])
      expect(judgeClientMessage(one(b), 'control', ALL)).toEqual({ forward: true, input: false });
  });

  it('an extension message reaches the desktop only after its pseudo-encoding was announced', () => {
    const cases: [Buffer, number][] = [
      [msg.setDesktopSize(1), Encoding.ExtendedDesktopSize],
      [msg.continuousUpdates(), Encoding.ContinuousUpdates],
      [msg.fence(Buffer.from('x')), Encoding.Fence],
      [msg.xvp(), Encoding.Xvp],
      [msg.qemuKey(), Encoding.QemuExtendedKeyEvent],
      [msg.qemuAudio(0), Encoding.QemuAudio],
      [msg.extendedCutText(Buffer.alloc(4)), Encoding.ExtendedClipboard],
    ];
    for (const [b, needs] of cases) {
      expect(judgeClientMessage(one(b), 'control', NONE)).toEqual({ forward: false, drop: 'not_announced', input: false });
      expect(judgeClientMessage(one(b), 'control', new Set([needs])).forward).toBe(true);
      // Another extension's announcement does not count.
      expect(judgeClientMessage(one(b), 'control', new Set([...ALL].filter((e) => e !== needs))).forward).toBe(false);
    }
  });

  it('plain RFB messages need no announcement', () => {
    for (const b of [
      msg.key(1, 0x61),
      msg.pointer(0, 1, 1),
      msg.cutText(Buffer.from('x')),
      msg.fbur(),
      msg.setPixelFormat(),
      msg.setEncodings([0]),
    ]) {
      expect(judgeClientMessage(one(b), 'control', NONE).forward).toBe(true);
    }
  });
});

describe('keepEncodings', () => {
  it('keeps only what the predicate accepts, in order', () => {
    expect(keepEncodings(msg.setEncodings([7, 50, 16, -1063131698, 0]), (e) => e !== 50 && e !== -1063131698)).toEqual(
      msg.setEncodings([7, 16, 0]),
    );
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
