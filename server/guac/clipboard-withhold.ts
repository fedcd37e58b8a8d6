// guacd → browser for view-only displays: drops the desktop's clipboard streams (`clipboard`, then
// that stream's `blob`s and `end`), so someone who only watches never gets what the person copied,
// as on the VNC path (server/rfb/server-messages.ts). Needed because guacd sends the clipboard to
// every user of a connection, read-only helpdesk joins included, whatever their settings say
// (measured: test/integration/rdp-clipboard.test.ts).
import { createInstructionParser } from './instructions.ts';

export interface ClipboardWithholder {
  /** Text from guacd, in any chunks; returns the whole instructions that may go on to the browser and
   *  how many clipboard streams it withheld. Throws InstructionError on what it cannot parse. */
  filter(text: string): { text: string; withheld: number };
}

/** guacd's own instructions: image blobs are at most 8064 characters; `args` has a few hundred elements. */
const FROM_GUACD = { maxInstructionChars: 1 << 20, maxElements: 4096 };

export function createClipboardWithholder(): ClipboardWithholder {
  const parser = createInstructionParser(FROM_GUACD);
  const held = new Set<string>(); // guacd's stream indexes of clipboard streams not yet ended
  return {
    filter(text) {
      let out = '';
      let withheld = 0;
      for (const ins of parser.push(text)) {
        const stream = ins.args[0] ?? '';
        if (ins.opcode === 'clipboard') {
          held.add(stream);
          withheld++;
        } else if (held.has(stream) && (ins.opcode === 'blob' || ins.opcode === 'end')) {
          if (ins.opcode === 'end') held.delete(stream); // guacd may use the index again for another stream
        } else out += ins.raw;
      }
      return { text: out, withheld };
    },
  };
}
