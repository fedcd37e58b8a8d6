// Guacamole protocol instructions (LENGTH.VALUE,LENGTH.VALUE,...;) as the browser sends them: a
// streaming parser that caps every length it reads and an encoder. Lengths count Unicode code
// points, as the protocol defines; JavaScript strings count UTF-16 units, so a character outside
// the BMP is one code point but two units here. See docs/architecture.md, "The /ws/rdp byte path".

export interface Instruction {
  opcode: string;
  args: string[];
  /** The instruction exactly as received, terminator included. */
  raw: string;
}

export interface InstructionLimits {
  /** Code points per instruction at most, length prefixes and separators included. */
  maxInstructionChars: number;
  /** Elements (opcode + arguments) per instruction at most. */
  maxElements: number;
}

/** Malformed or oversized input: the connection that sent it is closed with `message`. */
export class InstructionError extends Error {}

/** Longest decimal length prefix accepted: more digits than this is not a length anyone sends. */
const MAX_LENGTH_DIGITS = 7;

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

export interface InstructionParser {
  /** Appends received text; returns every instruction it completed. Throws InstructionError. */
  push(text: string): Instruction[];
  /** Code points held of an unfinished instruction. */
  pending(): number;
}

export function createInstructionParser(limits: InstructionLimits): InstructionParser {
  let buf = '';
  // Parsing restarts from the start of the unfinished instruction at each push; the buffer is
  // capped (maxInstructionChars code points ≤ 2 units each), so that costs O(cap) per push at worst.
  const maxUnits = limits.maxInstructionChars * 2;

  /** One instruction from the start of buf, or null when buf ends before its ';'. */
  function parseOne(): Instruction | null {
    const elements: string[] = [];
    let i = 0;
    let points = 0; // code points of this instruction so far
    for (;;) {
      // LENGTH
      const lengthStart = i;
      while (i < buf.length && buf.charCodeAt(i) >= 0x30 && buf.charCodeAt(i) <= 0x39) i++;
      if (i - lengthStart > MAX_LENGTH_DIGITS) throw new InstructionError('an instruction element length is too long');
      if (i === buf.length) return null;
      if (buf[i] !== '.' || i === lengthStart) throw new InstructionError('malformed instruction: expected LENGTH.VALUE');
      const length = Number(buf.slice(lengthStart, i));
      points += i - lengthStart + 1;
      if (points + length > limits.maxInstructionChars) throw new InstructionError('an instruction is larger than the gateway accepts');
      i++; // '.'
      // VALUE: `length` code points
      const valueStart = i;
      for (let n = 0; n < length; n++) {
        if (i >= buf.length) return null;
        if (isHighSurrogate(buf.charCodeAt(i))) {
          if (i + 1 >= buf.length) return null; // its low half arrives with the next chunk
          i += 2;
        } else i += 1;
      }
      points += length + 1;
      elements.push(buf.slice(valueStart, i));
      if (elements.length > limits.maxElements) throw new InstructionError('an instruction has more elements than the gateway accepts');
      if (i >= buf.length) return null;
      const sep = buf[i++];
      if (sep === ';') {
        const [opcode = '', ...args] = elements;
        const raw = buf.slice(0, i);
        buf = buf.slice(i);
        return { opcode, args, raw };
      }
      if (sep !== ',') throw new InstructionError('malformed instruction: expected "," or ";" after a value');
    }
  }

  return {
    push(text) {
      buf += text;
      const out: Instruction[] = [];
      for (;;) {
        if (buf.length === 0) return out;
        const ins = parseOne();
        if (!ins) {
          if (buf.length > maxUnits) throw new InstructionError('an instruction is larger than the gateway accepts');
          return out;
        }
        out.push(ins);
      }
    },
    pending: () => buf.length,
  };
}

/** Encodes one instruction; lengths in code points. */
export function encodeInstruction(opcode: string, ...args: string[]): string {
  return [opcode, ...args].map((e) => `${[...e].length}.${e}`).join(',') + ';';
}
