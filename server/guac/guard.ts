// The gateway's check on what a browser sends toward guacd: parsed instruction by instruction
// (caps in instructions.ts), opcodes allow-listed, and in view mode every input instruction dropped
// here, whatever guacd's own read-only flag would do. The browser's keep-alive ping (the internal
// opcode "") is answered by the gateway itself, as Guacamole's own web application does; without
// the echo, guacamole-common-js marks an idle tunnel UNSTABLE every few seconds.
import type { TicketMode } from '../../contract/api/desktops.ts';
import { createInstructionParser, encodeInstruction, InstructionError, type InstructionLimits } from './instructions.ts';
import { CANCEL_OPCODE, type StreamSide } from './stream-policy.ts';

/** Flow control and housekeeping: pass in every mode. `ack` answers guacd's own streams (images). */
const ALWAYS = new Set(['sync', 'nop', 'ack', 'disconnect']);
/** What a person does: keys, pointer, touch, display size, clipboard, uploads (and their cancel), file browsing, microphone, argument changes. */
const INPUT = new Set([
  'key',
  'mouse',
  'touch',
  'size',
  'clipboard',
  'blob',
  'end',
  'argv',
  'audio',
  'file',
  'pipe',
  'put',
  'get',
  CANCEL_OPCODE,
]);
/** Someone's hands on the desktop, as the VNC relay counts key, pointer and clipboard (rfb/policy.ts):
 *  these reset the session's idle timer. A window resize (`size`) or a stream's parts are not activity. */
const HANDS = new Set(['key', 'mouse', 'touch', 'clipboard']);
/** The internal opcode of tunnel control messages (ping); never forwarded to guacd. */
const INTERNAL = '';

export const DEFAULT_LIMITS: InstructionLimits = {
  // A clipboard or upload blob from guacamole-common-js is at most 8064 base64 characters.
  maxInstructionChars: 16 * 1024,
  // touch has the most: 7 arguments.
  maxElements: 16,
};

export interface GuardResult {
  /** Instructions for guacd, concatenated (empty when none). */
  toGuacd: string;
  /** Answers for the browser from the gateway itself (ping echoes). */
  toBrowser: string[];
  /** Opcodes of the input instructions dropped (view mode), one entry per instruction. */
  dropped: string[];
  /** Key, mouse, touch and clipboard instructions forwarded (control mode): the person is active. */
  input: number;
}

export interface Guard {
  /** One text message from the browser. Throws InstructionError when the connection must close. */
  receive(text: string): GuardResult;
}

/** `streams`: the session policy on the browser's clipboard and file streams (stream-policy.ts), control mode. */
export function createGuard(
  mode: TicketMode,
  limits: InstructionLimits = DEFAULT_LIMITS,
  streams?: Pick<StreamSide, 'take' | 'active'>,
): Guard {
  const parser = createInstructionParser(limits);
  return {
    receive(text) {
      const out: GuardResult = { toGuacd: '', toBrowser: [], dropped: [], input: 0 };
      for (const ins of parser.push(text)) {
        if (ins.opcode === INTERNAL) {
          if (ins.args[0] === 'ping' && ins.args.length === 2) out.toBrowser.push(encodeInstruction('', 'ping', ins.args[1] ?? ''));
        } else if (ALWAYS.has(ins.opcode)) {
          out.toGuacd += ins.raw;
        } else if (INPUT.has(ins.opcode)) {
          if (mode === 'view') out.dropped.push(ins.opcode);
          else {
            const back: string[] = [];
            const on: string[] = [];
            // The cancel is the gateway's own word; guacd never hears it, taken or not.
            const r = (streams ? streams.take(ins, back, on) : null) ?? (ins.opcode === CANCEL_OPCODE ? '' : null);
            out.toGuacd += (r ?? ins.raw) + on.join('');
            out.toBrowser.push(...back);
            if (HANDS.has(ins.opcode) && r !== '') out.input++;
          }
        } else {
          throw new InstructionError(`instruction "${printable(ins.opcode)}" is not accepted from a viewer`);
        }
      }
      return out;
    },
  };
}

/** An opcode fit for a close reason and a log line. */
function printable(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 24 ? `${clean.slice(0, 24)}…` : clean;
}

export { InstructionError };
