import { describe, expect, it } from 'vitest';
import { createGuard, InstructionError } from './guard.ts';
import { encodeInstruction as ins } from './instructions.ts';

const INPUT = [
  ins('key', '97', '1'),
  ins('mouse', '10', '10', '1'),
  ins('touch', '0', '1', '1', '1', '1', '0', '1'),
  ins('size', '800', '600'),
  ins('clipboard', '1', 'text/plain'),
  ins('blob', '1', 'aGk='),
  ins('end', '1'),
  ins('argv', '2', 'text/plain', 'color-scheme'),
  ins('file', '3', 'text/plain', 'x.txt'),
  ins('pipe', '4', 'text/plain', 'p'),
  ins('put', '5', '6', 'text/plain', 'n'),
  ins('audio', '7', 'audio/L16'),
];

describe('browser → guacd instruction guard', () => {
  it('a control viewer passes input and housekeeping through unchanged', () => {
    const g = createGuard('control');
    const text = [...INPUT, ins('sync', '123'), ins('ack', '1', 'OK', '0'), ins('nop')].join('');
    const r = g.receive(text);
    expect(r.toGuacd).toBe(text);
    // Activity counts as for VNC (key, pointer, clipboard): not a resize, nor a stream's parts.
    expect(r.input).toBe(4);
    expect(r.dropped).toEqual([]);
  });

  it('a view viewer sends no input at all, only housekeeping', () => {
    const g = createGuard('view');
    const keep = ins('sync', '123') + ins('ack', '1', 'OK', '0');
    const r = g.receive(INPUT.join('') + keep);
    expect(r.toGuacd).toBe(keep);
    expect(r.dropped).toEqual(['key', 'mouse', 'touch', 'size', 'clipboard', 'blob', 'end', 'argv', 'file', 'pipe', 'put', 'audio']);
    expect(r.input).toBe(0);
  });

  it('drops an upload cancel from a view viewer, and never forwards one to guacd without a stream policy to take it', () => {
    expect(createGuard('view').receive(ins('deskport-cancel', '5'))).toMatchObject({ toGuacd: '', dropped: ['deskport-cancel'] });
    expect(createGuard('control').receive(ins('deskport-cancel', '5')).toGuacd).toBe('');
    const untaken = createGuard('control', undefined, { take: () => null, active: () => 0 }).receive(ins('deskport-cancel', '5'));
    expect(untaken.toGuacd).toBe('');
  });

  it('answers the tunnel ping itself and forwards nothing of it', () => {
    const r = createGuard('view').receive(ins('', 'ping', '1700000000000'));
    expect(r.toGuacd).toBe('');
    expect(r.toBrowser).toEqual([ins('', 'ping', '1700000000000')]);
  });

  it.each(['select', 'connect', 'img', 'error', 'bogus'])('refuses the opcode "%s"', (op) => {
    expect(() => createGuard('control').receive(ins(op, 'rdp'))).toThrow(InstructionError);
  });

  it('says which opcode it refused, printable and short', () => {
    expect(() => createGuard('control').receive(ins('x\u0000'.repeat(30)))).toThrow(/"x\?x\?.*…" is not accepted/);
  });

  it('in view mode a key split over many messages is still dropped whole (fuzz, seeded)', () => {
    const text = INPUT.join('') + ins('sync', '9');
    for (let cut = 1; cut < text.length; cut += 7) {
      const g = createGuard('view');
      const a = g.receive(text.slice(0, cut));
      const b = g.receive(text.slice(cut));
      expect(a.toGuacd + b.toGuacd).toBe(ins('sync', '9'));
      expect(a.dropped.length + b.dropped.length).toBe(INPUT.length);
    }
  });
});
