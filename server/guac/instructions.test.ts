import { describe, expect, it } from 'vitest';
import { createInstructionParser, encodeInstruction, InstructionError } from './instructions.ts';

const LIMITS = { maxInstructionChars: 1024, maxElements: 8 };

/** A small deterministic PRNG, so a failing split can be replayed from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('Guacamole instruction parser', () => {
  it('round-trips instructions with lengths counted in code points', () => {
    const samples: [string, ...string[]][] = [
      ['key', '65307', '1'],
      ['clipboard', '3', 'text/plain'],
      ['blob', '3', 'ü€😀 emoji and umlauts'],
      ['', 'ping', '1712345678901'],
      ['nop'],
    ];
    const p = createInstructionParser(LIMITS);
    for (const [op, ...args] of samples) {
      const text = encodeInstruction(op, ...args);
      expect(p.push(text)).toEqual([{ opcode: op, args, raw: text }]);
    }
    // '😀' is one code point and two UTF-16 units: the length says 1.
    expect(encodeInstruction('blob', '😀')).toBe('4.blob,1.😀;');
  });

  it('gives the same instructions however the text is split (fuzz, seeded)', () => {
    const parts = [
      encodeInstruction('mouse', '10', '20', '1'),
      encodeInstruction('blob', '7', 'äöü 😀😀 ✓'),
      encodeInstruction('key', '65293', '0'),
      encodeInstruction('', 'ping', '123'),
      encodeInstruction('size', '1280', '720'),
    ];
    const whole = parts.join('');
    const units = [...whole]; // split between code points, as WebSocket text messages are
    for (let seed = 1; seed <= 300; seed++) {
      const rand = rng(seed);
      const p = createInstructionParser(LIMITS);
      const got: string[] = [];
      let i = 0;
      while (i < units.length) {
        const n = 1 + Math.floor(rand() * 12);
        for (const ins of p.push(units.slice(i, i + n).join(''))) got.push(ins.raw);
        i += n;
      }
      expect(got, `seed ${seed}`).toEqual(parts);
      expect(p.pending()).toBe(0);
    }
  });

  it('waits for the low half of a surrogate pair split between chunks', () => {
    const text = encodeInstruction('blob', '😀');
    const p = createInstructionParser(LIMITS);
    const cut = text.indexOf('😀') + 1; // between the two UTF-16 halves
    expect(p.push(text.slice(0, cut))).toEqual([]);
    expect(p.push(text.slice(cut))).toEqual([{ opcode: 'blob', args: ['😀'], raw: text }]);
  });

  it.each([
    ['a length that is not a number', 'x.key;'],
    ['a missing length', '.key;'],
    ['a missing separator after a value', '3.keyX'],
    ['a value longer than its length', '3.keys;'],
    ['a length prefix of many digits', '123456789012.key;'],
  ])('refuses %s', (_what, text) => {
    expect(() => createInstructionParser(LIMITS).push(text)).toThrow(InstructionError);
  });

  it('refuses an instruction larger than the cap before it has all arrived', () => {
    const p = createInstructionParser(LIMITS);
    expect(() => p.push('4.blob,1.0,5000.aaa')).toThrow(/larger than the gateway accepts/);
  });

  it('refuses an instruction with too many elements', () => {
    const p = createInstructionParser(LIMITS);
    expect(() => p.push(encodeInstruction('mouse', ...Array.from({ length: 10 }, () => '1')))).toThrow(/more elements/);
  });

  it('refuses random garbage (fuzz, seeded) without hanging or accepting a partial instruction as whole', () => {
    const alphabet = '0123456789.,;abc😀';
    for (let seed = 1; seed <= 300; seed++) {
      const rand = rng(seed);
      const chars = [...alphabet];
      const text = Array.from({ length: 40 }, () => chars[Math.floor(rand() * chars.length)]).join('');
      const p = createInstructionParser(LIMITS);
      try {
        for (const ins of p.push(text)) expect(ins.raw.endsWith(';')).toBe(true);
      } catch (err) {
        expect(err).toBeInstanceOf(InstructionError);
      }
    }
  });
});
