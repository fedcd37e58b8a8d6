// Sound through guacd: its audio parameters for a display, and the gateway's own filter on guacd's
// `audio` streams (`audio`, then that stream's `blob`s and `end`). guacd sends a connection's sound to
// every user of it, helpdesk joins included, whatever their handshake said (libguac broadcasts the
// blobs), so a display that may not hear never gets the streams, whatever guacd does. docs/audio.md.
import type { GuacdSettings } from 'guacamole-lite/lib/GuacdClient.js';
import { opcodeOf } from './stream-policy.ts';

/** The one format the browser plays (client/src/modules/audio/guacSound.ts); guacd encodes raw PCM as L16. */
export const GUAC_AUDIO_MIMETYPES = ['audio/L16'];

/** Whether one display may hear: the policy's `audio`, and for a helpdesk join the owner's "also share sound". */
export function displayHears(o: { policyAudio: boolean; shadow: boolean; shadowSound: boolean }): boolean {
  return o.policyAudio && (!o.shadow || o.shadowSound);
}

/**
 * guacd's parameters: the handshake's audio mimetypes (none: guacd opens no audio stream for this user)
 * and, for RDP, `disable-audio` when off (guacd's RDP enables sound by default). VNC sound needs the
 * machine's own `enable-audio` + `audio-servername` (a PulseAudio server guacd reaches): not offered
 * for existing machines yet (docs/audio.md).
 */
export function audioParams(hears: boolean, protocol: 'rdp' | 'vnc' | 'ssh', join: boolean): GuacdSettings {
  if (hears) return { audio: GUAC_AUDIO_MIMETYPES };
  return { audio: [], ...(protocol === 'rdp' && !join ? { 'disable-audio': 'true' } : {}) };
}

/** The first argument of one whole instruction (a stream index), without parsing the rest; '' when none. */
export function firstArg(raw: string): string {
  const dot = raw.indexOf('.');
  const after = dot + 1 + Number(raw.slice(0, dot));
  if (raw[after] !== ',') return '';
  const lenEnd = raw.indexOf('.', after + 1);
  if (lenEnd < 0 || lenEnd - after > 8) return '';
  const n = Number(raw.slice(after + 1, lenEnd));
  return Number.isInteger(n) && n >= 0 ? raw.slice(lenEnd + 1, lenEnd + 1 + n) : '';
}

/** Audio streams followed at once; guacd opens one per connection (two while one replaces another). */
const MAX_HELD = 64;

export interface AudioFilter {
  /** One whole instruction from guacd → what may go on to the browser ('' = nothing). */
  filter(raw: string): string;
  /** Audio instructions withheld so far. */
  withheld(): number;
}

export function createAudioFilter(hears: boolean): AudioFilter {
  const held = new Set<string>(); // guacd's stream indexes of audio streams not yet ended
  let withheld = 0;
  return {
    filter(raw) {
      if (hears) return raw;
      const op = opcodeOf(raw);
      if (op === 'audio') {
        if (held.size < MAX_HELD) held.add(firstArg(raw));
        withheld++;
        return '';
      }
      if (held.size === 0 || (op !== 'blob' && op !== 'end')) return raw;
      const stream = firstArg(raw);
      if (!held.has(stream)) return raw;
      if (op === 'end') held.delete(stream); // guacd may use the index again for another stream
      withheld++;
      return '';
    },
    withheld: () => withheld,
  };
}
